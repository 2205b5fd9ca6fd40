#pragma once
// What one worker runs: a detector, a recogniser or the end-to-end OCR pipeline, built from
// model package directories, turning image bytes into typed results.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/image.hpp"
#include "ocrserve/error.hpp"
#include "ocrserve/options.hpp"
#include "serve/batch_processor.hpp"

namespace ocrserve {

enum class ServableKind { detection, recognition, ocr };
const char* to_string(ServableKind kind);

struct ServableSpec {
  ServableKind kind = ServableKind::detection;
  std::filesystem::path model;       // detection or recognition package (the detector for OCR)
  std::filesystem::path recognizer;  // OCR only
  std::filesystem::path classifier;  // OCR only, optional
  BackendOptions backend;
  size_t crop_batch_size = 1;        // recognition crops per network call (1: no padding, fastest on CPUs)
  DetectionSettings detection;       // overrides of the detection package's settings
  DecodeLimits limits;

  // The kind follows the package's postprocessor; a recognizer makes it OCR.
  static ServableSpec from_packages(const std::filesystem::path& model, const std::filesystem::path& recognizer = {},
                                    const std::filesystem::path& classifier = {});
};

class Servable final : public BatchProcessor {
 public:
  explicit Servable(const ServableSpec& spec);
  ~Servable() override;

  // Decodes each image and runs the batch; an undecodable image fails alone.
  std::vector<ItemOutcome> run(const std::vector<const std::string*>& images) override;

 private:
  void run_decoded(const std::vector<cv::Mat>& decoded, const std::vector<size_t>& slots,
                   std::vector<ItemOutcome>& outcomes);

  struct Pipeline;
  std::unique_ptr<Pipeline> pipeline_;
  DecodeLimits limits_;
};

}  // namespace ocrserve
