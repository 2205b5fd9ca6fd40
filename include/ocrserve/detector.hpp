#pragma once
// Text detection with a model package (DBNet family, …): images in, polygons out.
#include <filesystem>
#include <memory>
#include <vector>

#include <opencv2/core.hpp>

#include "ocrserve/options.hpp"
#include "ocrserve/results.hpp"
#include "ocrserve/stage_times.hpp"

namespace ocrserve {

class Model;
class DetectionCodec;

class Detector {
 public:
  // Error(not_found / bad_input / unsupported) naming the file and field for a broken package,
  // or one whose postprocessor is not a detection postprocessor.
  explicit Detector(const std::filesystem::path& package_dir, const BackendOptions& options = {},
                    const DetectionSettings& settings = {});
  ~Detector();
  Detector(Detector&&) noexcept;

  // One result per image (BGR, 8-bit). Not thread-safe: one Detector per thread.
  std::vector<DetectionResult> detect(const std::vector<cv::Mat>& images, StageTimes* times = nullptr);
  const Model& model() const { return *model_; }

 private:
  std::unique_ptr<Model> model_;
  std::unique_ptr<DetectionCodec> codec_;
};

}  // namespace ocrserve
