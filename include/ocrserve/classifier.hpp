#pragma once
// Text-line orientation (0° or 180°) with a model package (PP-OCR angle classifier).
#include <filesystem>
#include <memory>
#include <vector>

#include <opencv2/core.hpp>

#include "ocrserve/options.hpp"
#include "ocrserve/results.hpp"
#include "ocrserve/stage_times.hpp"

namespace ocrserve {

class Model;
class ClassificationCodec;

class Classifier {
 public:
  // With options.intra_op_threads = T > 1, T single-threaded copies of the network (at most 8)
  // run batches side by side: faster than one T-threaded copy for these small networks.
  explicit Classifier(const std::filesystem::path& package_dir, const BackendOptions& options = {},
                      size_t batch_size = 8);
  ~Classifier();
  Classifier(Classifier&&) noexcept;

  std::vector<AngleResult> classify(const std::vector<cv::Mat>& crops, StageTimes* times = nullptr);
  const Model& model() const { return *models_.front(); }

 private:
  std::vector<std::unique_ptr<Model>> models_;  // one per thread (see options.intra_op_threads)
  std::unique_ptr<ClassificationCodec> codec_;
  size_t batch_size_;
};

}  // namespace ocrserve
