#pragma once
// A loaded model package: its transforms, its backend session and its postprocessor's
// configuration. Detector, Recognizer and Classifier are thin task-specific wrappers.
#include <filesystem>
#include <memory>
#include <vector>

#include "backend/backend.hpp"
#include "codec/codec.hpp"
#include "model/model_package.hpp"
#include "ocrserve/stage_times.hpp"
#include "transform/transform.hpp"

namespace ocrserve {

class Model {
 public:
  Model(const std::filesystem::path& package_dir, const BackendOptions& options);
  Model(ModelPackage package, const BackendOptions& options);  // a package already read (and adjusted)

  const ModelPackage& package() const { return package_; }
  CodecTask task() const { return task_; }
  CodecContext codec_context() const { return {package_.codec_where, package_.dir}; }

  // Preprocesses each image, stacks them into one batch and runs the network.
  std::vector<Tensor> infer(const std::vector<cv::Mat>& images, std::vector<Sample>& samples,
                            StageTimes* times);
  // The two halves of infer(), for tools that look at the network's input (parity checks).
  Tensor preprocess(const std::vector<cv::Mat>& images, std::vector<Sample>& samples) const;
  std::vector<Tensor> run(const Tensor& input) { return backend_->run({input}); }

 private:
  ModelPackage package_;
  CodecTask task_;
  TransformChain transforms_;
  std::unique_ptr<Backend> backend_;
};

}  // namespace ocrserve
