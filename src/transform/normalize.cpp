// Normalize: float conversion, optional BGR→RGB, (x - mean) / std per channel, as MMCV.
#include <opencv2/imgproc.hpp>

#include "transform/params.hpp"
#include "transform/transform.hpp"

namespace ocrserve {
namespace {

class Normalize final : public Transform {
 public:
  Normalize(const Json& params, const std::string& where) {
    mean_ = channel_param(params, "mean", 0.0, where);
    const cv::Scalar std = channel_param(params, "std", 1.0, where);
    for (int c = 0; c < 3; ++c) {
      if (std[c] == 0) throw Error(ErrorKind::bad_input, where + ": field \"std\" must not contain 0");
      inv_std_[c] = 1.0 / std[c];
    }
    to_rgb_ = optional_field<bool>(params, "to_rgb", false, where);
  }
  void apply(Sample& sample) const override {
    cv::Mat image = sample.image;
    if (to_rgb_ && image.channels() == 3) cv::cvtColor(image, image, cv::COLOR_BGR2RGB);
    image.convertTo(image, CV_32F);
    cv::subtract(image, mean_, image);
    cv::multiply(image, inv_std_, image);
    sample.image = image;
  }

 private:
  cv::Scalar mean_;
  cv::Scalar inv_std_;
  bool to_rgb_ = false;
};

const TransformRegistration registration("Normalize", [](const Json& params, const std::string& where) {
  return std::make_unique<Normalize>(params, where);
});

}  // namespace
}  // namespace ocrserve
