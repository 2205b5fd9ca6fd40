#include "transform/transform.hpp"

#include <algorithm>
#include <cstring>

#include "core/registry.hpp"
#include "ocrserve/error.hpp"

namespace ocrserve {

using TransformRegistry = Registry<TransformFactory>;

TransformRegistration::TransformRegistration(const std::string& type, TransformFactory factory) {
  TransformRegistry::instance().add(type, std::move(factory));
}

std::unique_ptr<Transform> make_transform(const Json& spec, const std::string& where) {
  const std::string type = required_field<std::string>(spec, "type", where);
  const TransformFactory* factory = TransformRegistry::instance().find(type);
  if (!factory) {
    throw Error(ErrorKind::unsupported, where + ": unknown transform \"" + type + "\" (known: " +
                                            TransformRegistry::instance().joined_names() + ")");
  }
  return (*factory)(spec, where + " (" + type + ")");
}

std::vector<std::string> registered_transforms() { return TransformRegistry::instance().names(); }

TransformChain::TransformChain(const Json& specs, const std::string& where) {
  if (!specs.is_array()) throw Error(ErrorKind::bad_input, where + ": transforms must be a list");
  for (size_t i = 0; i < specs.size(); ++i) {
    transforms_.push_back(make_transform(specs[i], where + "[" + std::to_string(i) + "]"));
  }
}

Sample TransformChain::run(const cv::Mat& image) const {
  Sample sample;
  sample.image = image;
  sample.original_size = image.size();
  sample.resized_size = image.size();
  for (const auto& transform : transforms_) transform->apply(sample);
  return sample;
}

Tensor stack_samples(const std::vector<Sample>& samples, float pad_value) {
  if (samples.empty()) throw Error(ErrorKind::internal, "stack_samples: empty batch");
  int height = 0, width = 0;
  const int channels = samples.front().image.channels();
  for (const auto& sample : samples) {
    if (sample.image.depth() != CV_32F || sample.image.channels() != channels) {
      throw Error(ErrorKind::internal,
                  "stack_samples: samples must be float images with the same channel count "
                  "(is Normalize missing from the pipeline?)");
    }
    height = std::max(height, sample.image.rows);
    width = std::max(width, sample.image.cols);
  }
  Tensor tensor;
  tensor.shape = {static_cast<int64_t>(samples.size()), channels, height, width};
  tensor.data.assign(Tensor::element_count(tensor.shape), pad_value);
  const size_t plane = static_cast<size_t>(height) * width;
  for (size_t n = 0; n < samples.size(); ++n) {
    const cv::Mat& image = samples[n].image;
    float* batch_item = tensor.data.data() + n * channels * plane;
    for (int y = 0; y < image.rows; ++y) {
      const float* row = image.ptr<float>(y);
      for (int x = 0; x < image.cols; ++x) {
        for (int c = 0; c < channels; ++c) {
          batch_item[c * plane + static_cast<size_t>(y) * width + x] = row[x * channels + c];
        }
      }
    }
  }
  return tensor;
}

}  // namespace ocrserve
