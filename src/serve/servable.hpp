#pragma once
// What one worker runs: the pipeline of a model's packages (a detector, a recogniser or
// end-to-end OCR), turning image bytes into typed results.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/image.hpp"
#include "ocrserve/error.hpp"
#include "ocrserve/options.hpp"
#include "ocrserve/pipeline.hpp"
#include "serve/batch_processor.hpp"

namespace ocrserve {

struct ServableSpec {
  PipelineSpec pipeline;  // the packages and how they run
  PipelineKind kind = PipelineKind::detection;
  DecodeLimits limits;

  // The kind follows the package's postprocessor, and a recognizer makes it OCR. An angle
  // classifier alone is refused: it is served only inside an OCR model.
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

  Pipeline pipeline_;
  DecodeLimits limits_;
};

}  // namespace ocrserve
