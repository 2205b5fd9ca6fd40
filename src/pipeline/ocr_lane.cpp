#include "pipeline/ocr_lane.hpp"

#include "pipeline/reading_order.hpp"
#include "transform/crop.hpp"

namespace ocrserve {

OcrLane::OcrLane(const OcrOptions& options, const BackendOptions& backend)
    : detector_(options.detector, backend, options.detection),
      recognizer_(options.recognizer, backend, options.batch_size),
      batch_size_(std::max<size_t>(options.batch_size, 1)),
      min_text_score_(options.min_text_score) {
  if (!options.classifier.empty()) classifier_.emplace(options.classifier, backend, options.batch_size);
}

std::vector<OcrResult> OcrLane::run(const std::vector<cv::Mat>& images, StageTimes* times) {
  const std::vector<DetectionResult> detections = detector_.detect(images, times);
  // Crops of all images are recognised together, so that small images still fill batches.
  const std::vector<cv::Mat> all_crops = crops(images, detections, times);
  return assemble(detections, recognizer_.recognize(all_crops, times), times);
}

DetectionResult OcrLane::detect(const cv::Mat& image, StageTimes* times) {
  return std::move(detector_.detect({image}, times).front());
}

std::vector<cv::Mat> OcrLane::crops(const std::vector<cv::Mat>& images, const std::vector<DetectionResult>& detections,
                                    StageTimes* times) {
  std::vector<cv::Mat> crops;
  {
    StageTimer timer(times ? &times->postprocess : nullptr);
    for (size_t i = 0; i < images.size(); ++i) {
      for (const auto& region : detections[i]) crops.push_back(crop_text_region(images[i], region.polygon));
    }
  }
  if (classifier_) {
    const std::vector<AngleResult> angles = classifier_->classify(crops, times);
    for (size_t i = 0; i < crops.size(); ++i) {
      if (angles[i].angle == 180) cv::rotate(crops[i], crops[i], cv::ROTATE_180);
    }
  }
  return crops;
}

std::vector<RecognizedText> OcrLane::recognize(const std::vector<cv::Mat>& crops, StageTimes* times) {
  return recognizer_.recognize(crops, times);
}

std::vector<OcrResult> OcrLane::assemble(const std::vector<DetectionResult>& detections,
                                         const std::vector<RecognizedText>& texts, StageTimes* times) const {
  StageTimer timer(times ? &times->postprocess : nullptr);
  std::vector<OcrResult> results(detections.size());
  size_t next_crop = 0;
  for (size_t i = 0; i < detections.size(); ++i) {
    std::vector<Polygon> polygons;
    for (const auto& region : detections[i]) polygons.push_back(region.polygon);
    const size_t first_crop = next_crop;
    next_crop += polygons.size();
    for (size_t k : reading_order(polygons)) {
      const RecognizedText& text = texts[first_crop + k];
      if (text.text.empty() || text.score < min_text_score_) continue;
      results[i].push_back({detections[i][k].polygon, detections[i][k].score, text.text, text.score});
    }
  }
  return results;
}

}  // namespace ocrserve
