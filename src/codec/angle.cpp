// Text-line orientation from PP-OCR's angle classifier: [N, K] class probabilities, one label
// (degrees) per class. Below the threshold the line is reported upright, as PaddleOCR only
// flips lines it is sure about.
#include <algorithm>

#include "codec/codec.hpp"
#include "ocrserve/error.hpp"

namespace ocrserve {
namespace {

class AngleCodec final : public ClassificationCodec {
 public:
  AngleCodec(const Json& params, const CodecContext& context)
      : labels_(optional_field<std::vector<int>>(params, "labels", {0, 180}, context.where)),
        threshold_(optional_field<float>(params, "threshold", 0.9f, context.where)),
        where_(context.where) {
    if (labels_.empty()) throw Error(ErrorKind::bad_input, where_ + ": field \"labels\" must not be empty");
  }

  AngleResult decode(const std::vector<Tensor>& outputs, size_t index) const override {
    if (outputs.empty() || outputs.front().shape.size() != 2) {
      throw Error(ErrorKind::internal, where_ + ": expected [N, K] class probabilities");
    }
    const Tensor& t = outputs.front();
    if (static_cast<int64_t>(index) >= t.shape[0] || static_cast<size_t>(t.shape[1]) != labels_.size()) {
      throw Error(ErrorKind::bad_input, where_ + ": the network has " + std::to_string(t.shape[1]) +
                                            " classes, \"labels\" has " + std::to_string(labels_.size()));
    }
    const float* row = t.data.data() + index * t.shape[1];
    const float* best = std::max_element(row, row + t.shape[1]);
    const int angle = labels_[static_cast<size_t>(best - row)];
    return {*best >= threshold_ ? angle : 0, *best};
  }

 private:
  std::vector<int> labels_;
  float threshold_;
  std::string where_;
};

const CodecRegistration registration("AngleClassifier", ClassificationCodecFactory(
    [](const Json& params, const CodecContext& context) -> std::unique_ptr<ClassificationCodec> {
      return std::make_unique<AngleCodec>(params, context);
    }));

}  // namespace
}  // namespace ocrserve
