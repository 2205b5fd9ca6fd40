// Transforms that matter to MMCV's data containers but not to us: image loading (the
// pipeline receives decoded images), format bundling and key collection (stacking always
// writes NCHW). They are accepted so that mmdeploy's pipeline.json loads unchanged.
// The one thing loading still decides is colour: color_type "grayscale" (CRNN) gives one channel.
#include <opencv2/imgproc.hpp>

#include "ocrserve/error.hpp"
#include "transform/transform.hpp"

namespace ocrserve {
namespace {

class PassThrough final : public Transform {
 public:
  explicit PassThrough(bool channels_first) : channels_first_(channels_first) {}
  void apply(Sample& sample) const override { sample.channels_first |= channels_first_; }

 private:
  bool channels_first_;
};

TransformFactory pass_through(bool channels_first) {
  return [channels_first](const Json&, const std::string&) { return std::make_unique<PassThrough>(channels_first); };
}

// mmcv.imread's colour types: "color" (BGR, the default), "grayscale" (its luminance, as
// cv2.IMREAD_GRAYSCALE computes it), "unchanged" (what the decoder gave, here always BGR), and
// the "_ignore_orientation" variants MMOCR's detection configs use. Images arrive decoded, with
// any EXIF rotation already applied, so the orientation part cannot be honoured here.
class LoadImage final : public Transform {
 public:
  LoadImage(const Json& params, const std::string& where) {
    const auto given = optional_field<std::string>(params, "color_type", "color", where);
    std::string color_type = given;
    const std::string suffix = "_ignore_orientation";
    if (color_type.size() > suffix.size() && color_type.ends_with(suffix)) {
      color_type.resize(color_type.size() - suffix.size());
    }
    if (color_type != "color" && color_type != "grayscale" && color_type != "unchanged") {
      throw Error(ErrorKind::bad_input, where +
                                            ": field \"color_type\" must be \"color\", \"grayscale\" or \"unchanged\" "
                                            "(optionally with \"_ignore_orientation\"), got \"" + given + "\"");
    }
    grayscale_ = color_type == "grayscale";
  }
  void apply(Sample& sample) const override {
    if (grayscale_ && sample.image.channels() == 3) cv::cvtColor(sample.image, sample.image, cv::COLOR_BGR2GRAY);
  }

 private:
  bool grayscale_ = false;
};

TransformFactory load_image() {
  return [](const Json& params, const std::string& where) { return std::make_unique<LoadImage>(params, where); };
}

const TransformRegistration load_file("LoadImageFromFile", load_image());
const TransformRegistration load_ndarray("LoadImageFromNDArray", load_image());
const TransformRegistration load_annotations("LoadOCRAnnotations", pass_through(false));
const TransformRegistration collect("Collect", pass_through(false));
const TransformRegistration format_bundle("DefaultFormatBundle", pass_through(true));
const TransformRegistration image_to_tensor("ImageToTensor", pass_through(true));
const TransformRegistration pack_det("PackTextDetInputs", pass_through(true));
const TransformRegistration pack_recog("PackTextRecogInputs", pass_through(true));

}  // namespace
}  // namespace ocrserve
