#pragma once
// The pipeline that a command's --model / --rec / --cls options describe. The package's
// postprocessor decides; a detector with a recogniser — or no --model at all, meaning the
// default packages — is end-to-end OCR.
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "ocrserve/ocr.hpp"

namespace ocrserve {

struct PackageChoice {
  std::string model;  // empty: the default OCR packages
  std::string rec;
  std::string cls;
  bool angle_cls = false;         // without --model: add the default angle classifier
  DetectionSettings detection;    // overrides of the detection package's pipeline.json
};

// What infer, eval and bench share: the packages, the detection settings, threads and batching.
struct PipelineFlags {
  PackageChoice packages;
  int threads = default_inference_threads();
  size_t batch_size = 1;
  float min_text_score = 0.5f;
  std::string device = "cpu";  // BackendOptions::device: "cpu" or "cuda[:N]"
  bool overlap = true;         // OcrOptions::overlap_stages (--no-overlap turns it off)

  // Adds -m/--model (with `model_help`), -r, -c, --use-angle-cls, the --det-* settings, -t, -b,
  // --min-text-score, --device and --no-overlap to `command`.
  void add_to(CLI::App* command, const std::string& model_help);
  // The threads and device chosen, with the default session cache.
  BackendOptions backend_options() const;
};

struct Pipelines {
  std::optional<Ocr> ocr;
  std::optional<Detector> detector;
  std::optional<Recognizer> recognizer;
  std::optional<Classifier> classifier;

  // Error(bad_input) for --rec with a package that is not a detector.
  static Pipelines load(const PackageChoice& choice, const BackendOptions& backend, size_t batch_size,
                        float min_text_score = 0.5f, bool overlap = true);
  static Pipelines load(const PipelineFlags& flags);  // with the default session cache
  const char* name() const;  // "ocr", "detection", "recognition" or "angle"
};

}  // namespace ocrserve
