#include "ocrserve/detector.hpp"

#include "ocrserve/error.hpp"
#include "pipeline/model.hpp"

namespace ocrserve {

Detector::Detector(const std::filesystem::path& package_dir, const BackendOptions& options)
    : model_(std::make_unique<Model>(package_dir, options)) {
  const ModelPackage& package = model_->package();
  codec_ = make_detection_codec(package.codec, package.codec_params, model_->codec_context());
}

Detector::~Detector() = default;
Detector::Detector(Detector&&) noexcept = default;

std::vector<DetectionResult> Detector::detect(const std::vector<cv::Mat>& images, StageTimes* times) {
  std::vector<DetectionResult> results;
  results.reserve(images.size());
  std::vector<Sample> samples;
  // Images differ in size: one network call per image avoids padding them to a common size.
  for (const auto& image : images) {
    const std::vector<Tensor> outputs = model_->infer({image}, samples, times);
    StageTimer timer(times ? &times->postprocess : nullptr);
    const Sample& sample = samples.front();
    const ImageGeometry geometry{sample.original_size.width, sample.original_size.height, sample.scale_x,
                                 sample.scale_y};
    results.push_back(codec_->decode(outputs, 0, geometry));
  }
  return results;
}

}  // namespace ocrserve
