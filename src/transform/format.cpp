// Transforms that matter to MMCV's data containers but not to us: image loading (the
// pipeline receives decoded images), format bundling and key collection (stacking always
// writes NCHW). They are accepted so that mmdeploy's pipeline.json loads unchanged.
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

const TransformRegistration load_file("LoadImageFromFile", pass_through(false));
const TransformRegistration load_ndarray("LoadImageFromNDArray", pass_through(false));
const TransformRegistration load_annotations("LoadOCRAnnotations", pass_through(false));
const TransformRegistration collect("Collect", pass_through(false));
const TransformRegistration format_bundle("DefaultFormatBundle", pass_through(true));
const TransformRegistration image_to_tensor("ImageToTensor", pass_through(true));
const TransformRegistration pack_det("PackTextDetInputs", pass_through(true));
const TransformRegistration pack_recog("PackTextRecogInputs", pass_through(true));

}  // namespace
}  // namespace ocrserve
