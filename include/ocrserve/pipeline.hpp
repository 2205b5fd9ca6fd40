#pragma once
// Any pipeline that model packages make, opened from their directories. This is the one place
// that decides what a set of packages is: the first package's postprocessor makes it a
// detector, a recogniser or an angle classifier, and a detector with a recogniser makes
// end-to-end OCR. The CLI, the server and the SDK open their packages through it.
#include <filesystem>
#include <variant>
#include <vector>

#include <opencv2/core.hpp>

#include "ocrserve/classifier.hpp"
#include "ocrserve/default_models.hpp"
#include "ocrserve/detector.hpp"
#include "ocrserve/ocr.hpp"
#include "ocrserve/options.hpp"
#include "ocrserve/recognizer.hpp"
#include "ocrserve/results.hpp"

namespace ocrserve {

enum class PipelineKind { detection, recognition, angle, ocr };
const char* to_string(PipelineKind kind);  // "detection", "recognition", "angle", "ocr"

// Packages are named by path, or by the name of a package of default_models_dir() (package_path()).
struct PipelineSpec {
  std::filesystem::path model;       // empty: the default OCR packages (default_models_dir())
  std::filesystem::path recognizer;  // with a detection model: end-to-end OCR
  std::filesystem::path classifier;  // end-to-end OCR only; empty: no angle classifier
  bool default_classifier = false;   // with no model: add the default angle classifier
  Precision precision = Precision::fp32;  // of the default packages, where none is named
  BackendOptions backend;
  size_t batch_size = 1;             // recognition crops (or recognition/angle images) per network call
  float min_text_score = 0.5f;       // end-to-end OCR drops lines recognised with a lower score
  DetectionSettings detection;       // overrides of the detection package's settings
  bool overlap_stages = true;        // OcrOptions::overlap_stages
};

// The kind `spec` makes, from the packages' files (no network is loaded). Error(bad_input) for
// a recogniser beside a package that is not a detector, or detection settings for one that is
// not; the errors of ModelPackage::load for a missing or malformed package.
PipelineKind pipeline_kind(const PipelineSpec& spec);

class Pipeline {
 public:
  explicit Pipeline(const PipelineSpec& spec);

  PipelineKind kind() const;
  // One result per image, holding the kind's type: DetectionResult, RecognizedText,
  // AngleResult or OcrResult. Not thread-safe: one Pipeline per thread.
  std::vector<PipelineResult> run(const std::vector<cv::Mat>& images);

  // The pipeline itself, for what only its kind does; null for the other kinds.
  Detector* detector() { return std::get_if<Detector>(&pipeline_); }
  Recognizer* recognizer() { return std::get_if<Recognizer>(&pipeline_); }
  Classifier* classifier() { return std::get_if<Classifier>(&pipeline_); }
  Ocr* ocr() { return std::get_if<Ocr>(&pipeline_); }

 private:
  std::variant<Detector, Recognizer, Classifier, Ocr> pipeline_;
};

}  // namespace ocrserve
