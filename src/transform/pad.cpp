// Padding at the right and bottom, so coordinates of the content do not move:
// MMCV's Pad (to a size or a multiple of size_divisor) and MMOCR's PadToWidth.
#include <algorithm>

#include <opencv2/core.hpp>

#include "transform/params.hpp"
#include "transform/transform.hpp"

namespace ocrserve {
namespace {

void pad_to(Sample& sample, int width, int height, const cv::Scalar& value) {
  const int right = std::max(0, width - sample.image.cols);
  const int bottom = std::max(0, height - sample.image.rows);
  if (right || bottom) {
    cv::copyMakeBorder(sample.image, sample.image, 0, bottom, 0, right, cv::BORDER_CONSTANT, value);
  }
}

int round_up(int value, int divisor) { return (value + divisor - 1) / divisor * divisor; }

// Params: size [w, h] or size_divisor; pad_val (number or per-channel list; default 0).
class Pad final : public Transform {
 public:
  Pad(const Json& params, const std::string& where) {
    if (params.contains("size") && !params.at("size").is_null()) size_ = size_param(params, "size", where);
    divisor_ = optional_field<int>(params, "size_divisor", 0, where);
    if (divisor_ < 0) throw Error(ErrorKind::bad_input, where + ": field \"size_divisor\" must be positive");
    if (size_.area() == 0 && divisor_ == 0) {
      throw Error(ErrorKind::bad_input, where + ": needs \"size\" or \"size_divisor\"");
    }
    // MMCV's pad_val may be a dict per key ({"img": 0, "seg": 255}); only the image's matters.
    Json pad_val = params.value("pad_val", Json(0));
    if (pad_val.is_object()) pad_val = pad_val.value("img", Json(0));
    value_ = channel_param(Json{{"pad_val", pad_val}}, "pad_val", 0.0, where);
  }
  void apply(Sample& sample) const override {
    int width = std::max(sample.image.cols, size_.width);
    int height = std::max(sample.image.rows, size_.height);
    if (divisor_ > 0) {
      width = round_up(width, divisor_);
      height = round_up(height, divisor_);
    }
    pad_to(sample, width, height, value_);
  }

 private:
  cv::Size size_{0, 0};
  int divisor_ = 0;
  cv::Scalar value_;
};

// Params: width; pad_val (default 0). Narrower images are padded on the right, wider kept.
class PadToWidth final : public Transform {
 public:
  PadToWidth(const Json& params, const std::string& where) {
    width_ = required_field<int>(params, "width", where);
    value_ = channel_param(params, "pad_val", 0.0, where);
  }
  void apply(Sample& sample) const override { pad_to(sample, width_, sample.image.rows, value_); }

 private:
  int width_ = 0;
  cv::Scalar value_;
};

// Params: size (pixels on every side, default 16). Repeats the image's edge pixels outwards, so
// that text touching the edge of a tight crop or a single-line image has the background
// around it that a detector learnt to see; the detector's output is mapped back past it.
class Margin final : public Transform {
 public:
  Margin(const Json& params, const std::string& where) {
    size_ = optional_field<int>(params, "size", 16, where);
    if (size_ < 0 || size_ > 1024) throw Error(ErrorKind::bad_input, where + ": field \"size\" must be in [0, 1024]");
  }
  void apply(Sample& sample) const override {
    if (size_ == 0) return;
    cv::copyMakeBorder(sample.image, sample.image, size_, size_, size_, size_, cv::BORDER_REPLICATE);
    sample.offset_x += size_;
    sample.offset_y += size_;
  }

 private:
  int size_ = 16;
};

const TransformRegistration margin("Margin", [](const Json& params, const std::string& where) {
  return std::make_unique<Margin>(params, where);
});
const TransformRegistration pad("Pad", [](const Json& params, const std::string& where) {
  return std::make_unique<Pad>(params, where);
});
const TransformRegistration pad_to_width("PadToWidth", [](const Json& params, const std::string& where) {
  return std::make_unique<PadToWidth>(params, where);
});

}  // namespace
}  // namespace ocrserve
