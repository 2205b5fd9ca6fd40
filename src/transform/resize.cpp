// Resizing transforms: MMCV's Resize (fit into a scale, optionally keeping the aspect ratio),
// MMOCR's RescaleToHeight (text-line height for recognisers) and ShortScaleAspectJitter (the
// short side to a length, PANet's test-time resize).
#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "transform/params.hpp"
#include "transform/transform.hpp"

namespace ocrserve {
namespace {

void resize_to(Sample& sample, cv::Size target) {
  target.width = std::max(target.width, 1);
  target.height = std::max(target.height, 1);
  const cv::Size before = sample.image.size();
  if (target != before) cv::resize(sample.image, sample.image, target, 0, 0, cv::INTER_LINEAR);
  const double fx = static_cast<double>(target.width) / before.width;
  const double fy = static_cast<double>(target.height) / before.height;
  sample.scale_x *= fx;
  sample.scale_y *= fy;
  sample.offset_x *= fx;
  sample.offset_y *= fy;
  sample.resized_size = target;
}

// Params: scale [w, h] (mmcv 2.x Resize's), or size [w, h] (the same pair under mmdeploy's
// name: its exporter renames MMOCR's scale to size unchanged, and its SDK reads size[0] as the
// width, csrc/mmdeploy/preprocess/transform/resize.cpp); one number for both. keep_ratio
// (default false, as mmcv's Resize and the SDK's): the image is scaled by
// min(long/max(h,w), short/min(h,w)) as mmcv.imrescale does, which does not depend on the
// order; without it the image becomes exactly w x h.
// allow_upscale (ours, default true): false only ever shrinks — PaddleOCR's "limit_type: max".
class Resize final : public Transform {
 public:
  Resize(const Json& params, const std::string& where) {
    if (params.contains("scale")) {
      scale_ = size_param(params, "scale", where);
    } else if (params.contains("size")) {
      scale_ = size_param(params, "size", where);
    } else {
      throw Error(ErrorKind::bad_input, where + ": missing field \"scale\" (or \"size\")");
    }
    keep_ratio_ = optional_field<bool>(params, "keep_ratio", false, where);
    allow_upscale_ = optional_field<bool>(params, "allow_upscale", true, where);
  }
  void apply(Sample& sample) const override {
    const cv::Size size = sample.image.size();
    if (!keep_ratio_) {
      resize_to(sample, scale_);
      return;
    }
    const double long_edge = std::max(scale_.width, scale_.height);
    const double short_edge = std::min(scale_.width, scale_.height);
    double factor = std::min(long_edge / std::max(size.width, size.height),
                             short_edge / std::min(size.width, size.height));
    if (!allow_upscale_) factor = std::min(factor, 1.0);
    resize_to(sample, {static_cast<int>(size.width * factor + 0.5), static_cast<int>(size.height * factor + 0.5)});
  }

 private:
  cv::Size scale_;
  bool keep_ratio_ = false;
  bool allow_upscale_ = true;
};

// Params: height, min_width, max_width (null = unbounded), width_divisor (default 1). As
// MMOCR 1.x's RescaleToHeight: the width by the aspect ratio (rounded up), clamped to
// [min_width, max_width], then, when not a multiple of width_divisor, rounded to the nearest
// multiple with Python's round (half to even: 40 with divisor 16 gives 32; mmdeploy's SDK rounds
// half away from zero, 48). A width that rounds to 0 becomes one width_divisor.
class RescaleToHeight final : public Transform {
 public:
  RescaleToHeight(const Json& params, const std::string& where) {
    height_ = required_field<int>(params, "height", where);
    min_width_ = optional_field<int>(params, "min_width", 1, where);
    max_width_ = optional_field<int>(params, "max_width", 0, where);
    width_divisor_ = optional_field<int>(params, "width_divisor", 1, where);
    if (height_ <= 0 || width_divisor_ <= 0 || min_width_ < 0 || max_width_ < 0) {
      throw Error(ErrorKind::bad_input, where + ": height and width_divisor must be positive, widths non-negative");
    }
  }
  void apply(Sample& sample) const override {
    const cv::Size size = sample.image.size();
    int width = static_cast<int>(std::ceil(static_cast<double>(height_) / size.height * size.width));
    width = std::max(width, min_width_);
    if (max_width_ > 0) width = std::min(width, max_width_);
    if (width % width_divisor_ != 0) {
      width = static_cast<int>(std::nearbyint(static_cast<double>(width) / width_divisor_)) * width_divisor_;
      width = std::max(width, width_divisor_);
    }
    resize_to(sample, {width, height_});
  }

 private:
  int height_ = 32;
  int min_width_ = 1;
  int max_width_ = 0;
  int width_divisor_ = 1;
};

// Params: short_size (default 736), scale_divisor (default 1), ratio_range and
// aspect_ratio_range. The jitter is a training augmentation; at test time both ranges are
// [1, 1] and anything else is refused (as mmdeploy's SDK does) rather than randomised.
class ShortScaleAspectJitter final : public Transform {
 public:
  ShortScaleAspectJitter(const Json& params, const std::string& where) {
    short_size_ = optional_field<int>(params, "short_size", 736, where);
    scale_divisor_ = optional_field<int>(params, "scale_divisor", 1, where);
    if (short_size_ <= 0 || scale_divisor_ <= 0) {
      throw Error(ErrorKind::bad_input, where + ": short_size and scale_divisor must be positive");
    }
    for (const char* range : {"ratio_range", "aspect_ratio_range"}) {
      const auto values = optional_field<std::vector<double>>(params, range, {1.0, 1.0}, where);
      if (values.size() != 2 || values[0] != 1.0 || values[1] != 1.0) {
        throw Error(ErrorKind::bad_input, where + ": " + range +
                                              " must be [1.0, 1.0]: random jitter is a training "
                                              "augmentation and has no place in inference");
      }
    }
  }
  void apply(Sample& sample) const override {
    const cv::Size size = sample.image.size();
    const double scale = static_cast<double>(short_size_) / std::min(size.width, size.height);
    const auto fit = [&](int length) {
      const double rounded = std::round(scale * length);
      return static_cast<int>(std::ceil(rounded / scale_divisor_)) * scale_divisor_;
    };
    resize_to(sample, {fit(size.width), fit(size.height)});
  }

 private:
  int short_size_ = 736;
  int scale_divisor_ = 1;
};

template <typename T>
TransformFactory factory() {
  return [](const Json& params, const std::string& where) { return std::make_unique<T>(params, where); };
}

const TransformRegistration resize("Resize", factory<Resize>());
const TransformRegistration rescale_to_height("RescaleToHeight", factory<RescaleToHeight>());
const TransformRegistration short_scale_aspect_jitter("ShortScaleAspectJitter", factory<ShortScaleAspectJitter>());

}  // namespace
}  // namespace ocrserve
