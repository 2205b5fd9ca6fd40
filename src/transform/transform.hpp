#pragma once
// Preprocessing transforms, built by type name from pipeline.json. A transform works on one
// Sample at a time; the pipeline stacks samples into a batch tensor afterwards.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "core/json_file.hpp"
#include "core/tensor.hpp"

namespace ocrserve {

struct Sample {
  cv::Mat image;              // BGR uint8 at first; float32 after Normalize
  cv::Size original_size;     // the image as the caller gave it
  cv::Size resized_size;      // content size after resizing, before any padding
  double scale_x = 1.0;       // resized / original
  double scale_y = 1.0;
  double offset_x = 0.0;      // margin added left of the image, in current pixels (Margin)
  double offset_y = 0.0;      // and above it
  bool channels_first = false;  // set by ImageToTensor: stacking then writes CHW
};

class Transform {
 public:
  virtual ~Transform() = default;
  virtual void apply(Sample& sample) const = 0;
};

// `where` names the transform in error messages, e.g. "pipeline.json: transforms[1] (Resize)".
using TransformFactory =
    std::function<std::unique_ptr<Transform>(const Json& params, const std::string& where)>;

// Registers a factory under a type name at static-initialisation time.
struct TransformRegistration {
  TransformRegistration(const std::string& type, TransformFactory factory);
};

// Error(unsupported) naming the type and the known ones when `type` is not registered.
std::unique_ptr<Transform> make_transform(const Json& spec, const std::string& where);
std::vector<std::string> registered_transforms();

// The ordered list of transforms of one pipeline, applied to each image.
class TransformChain {
 public:
  TransformChain() = default;
  TransformChain(const Json& specs, const std::string& where);
  Sample run(const cv::Mat& image) const;

 private:
  std::vector<std::unique_ptr<Transform>> transforms_;
};

// Stacks samples into one NCHW float tensor, padding each to the largest H and W with
// `pad_value` (samples must all be float with the same channel count).
Tensor stack_samples(const std::vector<Sample>& samples, float pad_value = 0.0f);

}  // namespace ocrserve
