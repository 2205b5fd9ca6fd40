#include "ocrserve/classifier.hpp"

#include "pipeline/model.hpp"
#include "pipeline/width_batches.hpp"

namespace ocrserve {

Classifier::Classifier(const std::filesystem::path& package_dir, const BackendOptions& options, size_t batch_size)
    : models_(models_for_threads(package_dir, options)), batch_size_(std::max<size_t>(batch_size, 1)) {
  const ModelPackage& package = models_.front()->package();
  codec_ = make_classification_codec(package.codec, package.codec_params, models_.front()->codec_context());
}

Classifier::~Classifier() = default;
Classifier::Classifier(Classifier&&) noexcept = default;

std::vector<AngleResult> Classifier::classify(const std::vector<cv::Mat>& crops, StageTimes* times) {
  return run_in_width_batches(models_, *codec_, crops, batch_size_, times);
}

}  // namespace ocrserve
