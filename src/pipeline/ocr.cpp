#include "ocrserve/ocr.hpp"

#include <opencv2/core.hpp>

#include "ocrserve/default_models.hpp"
#include "pipeline/reading_order.hpp"
#include "transform/crop.hpp"

namespace ocrserve {

OcrOptions OcrOptions::with_default_models() {
  const std::filesystem::path models = default_models_dir();
  OcrOptions options;
  options.detector = models / "ppocr-det";
  options.recognizer = models / "ppocr-rec";
  return options;
}

Ocr::Ocr(const OcrOptions& options)
    : detector_(options.detector, options.backend, options.detection),
      recognizer_(options.recognizer, options.backend, options.batch_size),
      min_text_score_(options.min_text_score) {
  if (!options.classifier.empty()) classifier_.emplace(options.classifier, options.backend, options.batch_size);
}

std::vector<OcrResult> Ocr::run(const std::vector<cv::Mat>& images, StageTimes* times) {
  const std::vector<DetectionResult> detections = detector_.detect(images, times);

  // Crops of all images are recognised together, so that small images still fill batches.
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
  const std::vector<RecognizedText> texts = recognizer_.recognize(crops, times);

  StageTimer timer(times ? &times->postprocess : nullptr);
  std::vector<OcrResult> results(images.size());
  size_t next_crop = 0;
  for (size_t i = 0; i < images.size(); ++i) {
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
