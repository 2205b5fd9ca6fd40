#include "pipeline/model.hpp"

#include <algorithm>

#include "ocrserve/error.hpp"

namespace ocrserve {

Model::Model(const std::filesystem::path& package_dir, const BackendOptions& options)
    : Model(ModelPackage::load(package_dir), options) {}

Model::Model(ModelPackage package, const BackendOptions& options)
    : package_(std::move(package)),
      task_(codec_task(package_.codec, package_.codec_where)),
      transforms_(package_.transforms, package_.transforms_where),
      backend_(make_backend(package_.backend, package_.network, options)) {
  const auto& inputs = backend_->input_names();
  if (!package_.input_name.empty() &&
      std::find(inputs.begin(), inputs.end(), package_.input_name) == inputs.end()) {
    std::string known;
    for (const auto& name : inputs) known += (known.empty() ? "" : ", ") + name;
    throw Error(ErrorKind::bad_input, (package_.dir / "pipeline.json").string() + ": input_map names input \"" +
                                          package_.input_name + "\" but " + package_.network.string() +
                                          " has inputs: " + known);
  }
}

Tensor Model::preprocess(const std::vector<cv::Mat>& images, std::vector<Sample>& samples) const {
  samples.clear();
  samples.reserve(images.size());
  for (const auto& image : images) {
    if (image.empty()) throw Error(ErrorKind::bad_input, "empty image");
    samples.push_back(transforms_.run(image));
  }
  Tensor input = stack_samples(samples);
  input.name = package_.input_name;
  return input;
}

std::vector<Tensor> Model::infer(const std::vector<cv::Mat>& images, std::vector<Sample>& samples,
                                 StageTimes* times) {
  Tensor input;
  {
    StageTimer timer(times ? &times->preprocess : nullptr);
    input = preprocess(images, samples);
  }
  StageTimer timer(times ? &times->inference : nullptr);
  return run(input);
}

}  // namespace ocrserve
