#pragma once
// One set of the networks of end-to-end OCR (detector, recogniser, optional angle classifier)
// and the steps between them. Ocr runs one lane with all the threads, or, with overlapped
// stages, several single-threaded lanes side by side (see overlapped_ocr.hpp).
#include <optional>
#include <vector>

#include <opencv2/core.hpp>

#include "ocrserve/ocr.hpp"

namespace ocrserve {

class OcrLane {
 public:
  OcrLane(const OcrOptions& options, const BackendOptions& backend);

  // Detection, cropping, classification, recognition and assembly, one after the other.
  std::vector<OcrResult> run(const std::vector<cv::Mat>& images, StageTimes* times);

  // The steps of run(), for schedulers that spread them over lanes.
  DetectionResult detect(const cv::Mat& image, StageTimes* times);
  // The upright crops of every region of every image, in order, upside-down ones turned.
  std::vector<cv::Mat> crops(const std::vector<cv::Mat>& images, const std::vector<DetectionResult>& detections,
                             StageTimes* times);
  // The crops recognised in one call: given one batch of width_batches(), in its order, the
  // recogniser keeps them as that one batch.
  std::vector<RecognizedText> recognize(const std::vector<cv::Mat>& crops, StageTimes* times);
  // Each image's regions in reading order with their texts (texts[k]: the k-th region over all
  // images), dropping empty lines and those scored below min_text_score.
  std::vector<OcrResult> assemble(const std::vector<DetectionResult>& detections,
                                  const std::vector<RecognizedText>& texts, StageTimes* times) const;

  Detector& detector() { return detector_; }
  Recognizer& recognizer() { return recognizer_; }
  size_t batch_size() const { return batch_size_; }

 private:
  Detector detector_;
  Recognizer recognizer_;
  std::optional<Classifier> classifier_;
  size_t batch_size_;
  float min_text_score_;
};

}  // namespace ocrserve
