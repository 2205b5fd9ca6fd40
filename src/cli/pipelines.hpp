#pragma once
// The options that describe a command's pipeline: --model / --rec / --cls, the detection
// settings, threads and batching. Pipeline (ocrserve/pipeline.hpp) decides what they make.
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "ocrserve/pipeline.hpp"

namespace ocrserve {

struct PackageChoice {
  std::string model;  // empty: the default OCR packages
  std::string rec;
  std::string cls;
  bool angle_cls = false;         // without --model: add the default angle classifier
  Precision precision = Precision::fp32;  // of the default packages (--precision)
  DetectionSettings detection;    // overrides of the detection package's pipeline.json

  // The packages and detection settings, run with `backend`'s defaults.
  PipelineSpec spec() const;
};

// --precision fp32|int8, with `help` (the server's start command has it too).
void add_precision_option(CLI::App* command, Precision& precision, const std::string& help);

// What infer, eval and bench share: the packages, the detection settings, threads and batching.
struct PipelineFlags {
  PackageChoice packages;
  int threads = default_inference_threads();
  size_t batch_size = 1;
  float min_text_score = 0.5f;
  std::string device = "cpu";  // BackendOptions::device: "cpu" or "cuda[:N]"
  bool overlap = true;         // OcrOptions::overlap_stages (--no-overlap turns it off)

  // Adds -m/--model (with `model_help`), -r, -c, --use-angle-cls, --precision, the --det-* settings, -t, -b,
  // --min-text-score, --device and --no-overlap to `command`.
  void add_to(CLI::App* command, const std::string& model_help);
  // The threads and device chosen, with the default session cache.
  BackendOptions backend_options() const;
  // Everything chosen, for Pipeline.
  PipelineSpec spec() const;
};

}  // namespace ocrserve
