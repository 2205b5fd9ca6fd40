#pragma once
// The pipeline that a command's --model / --rec / --cls options describe. The package's
// postprocessor decides; a detector with a recogniser — or no --model at all, meaning the
// default packages — is end-to-end OCR.
#include <optional>
#include <string>

#include "ocrserve/ocr.hpp"

namespace ocrserve {

struct PackageChoice {
  std::string model;  // empty: the default OCR packages
  std::string rec;
  std::string cls;
  bool no_cls = false;  // without --model: skip the default angle classifier
};

struct Pipelines {
  std::optional<Ocr> ocr;
  std::optional<Detector> detector;
  std::optional<Recognizer> recognizer;
  std::optional<Classifier> classifier;

  // Error(bad_input) for --rec with a package that is not a detector.
  static Pipelines load(const PackageChoice& choice, const BackendOptions& backend, size_t batch_size,
                        float min_text_score = 0.5f);
  const char* name() const;  // "ocr", "detection", "recognition" or "angle"
};

}  // namespace ocrserve
