#pragma once
// End-to-end OCR: detect text regions, crop them upright, optionally fix upside-down lines,
// recognise them in batches, and return the lines in reading order.
#include <filesystem>
#include <optional>
#include <vector>

#include <opencv2/core.hpp>

#include "ocrserve/classifier.hpp"
#include "ocrserve/detector.hpp"
#include "ocrserve/recognizer.hpp"

namespace ocrserve {

struct OcrOptions {
  std::filesystem::path detector;
  std::filesystem::path recognizer;
  std::filesystem::path classifier;  // empty: no angle classification
  BackendOptions backend;
  size_t batch_size = 1;             // crops per recognition batch (more: faster, but lines are padded to the widest)
  float min_text_score = 0.5f;       // lines recognised with a lower score are dropped (PaddleOCR's drop_score)
  DetectionSettings detection;       // overrides of the detector package's settings

  // The default packages of default_models_dir(): ppocr-det and ppocr-rec, no angle classifier.
  static OcrOptions with_default_models();
};

class Ocr {
 public:
  explicit Ocr(const OcrOptions& options);

  // One result per image. Not thread-safe: one Ocr per thread.
  std::vector<OcrResult> run(const std::vector<cv::Mat>& images, StageTimes* times = nullptr);

  Detector& detector() { return detector_; }
  Recognizer& recognizer() { return recognizer_; }

 private:
  Detector detector_;
  Recognizer recognizer_;
  std::optional<Classifier> classifier_;
  float min_text_score_;
};

}  // namespace ocrserve
