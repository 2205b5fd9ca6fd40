// Text-line orientation from PP-OCR's angle classifier (our own component name,
// "AngleClassifier"; mmdeploy has no such task).
//
// Input: outputs[0] of shape [N, K], class probabilities, one label (degrees) per class.
// Params: labels ([0, 180]) — PaddleOCR's label_list; threshold (0.9) — its cls_thresh.
// Output: AngleResult{labels[argmax], max probability}, except that a result below the threshold
// is reported as angle 0 (upright) with the same score: PaddleOCR only turns a line it is sure
// about, and deciding it here leaves the pipeline one rule — rotate when angle == 180.
// (PaddleOCR compares with "score > cls_thresh"; we use >=, which only differs at equality.)
#include <string>
#include <vector>

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
    if (outputs.empty()) throw Error(ErrorKind::internal, where_ + ": the network returned no output");
    const Tensor& t = outputs.front();
    if (t.shape.size() != 2 || t.shape[0] < 0 || t.shape[1] < 0) {
      throw Error(ErrorKind::internal, where_ + ": expected [N, K] class probabilities, got rank " +
                                           std::to_string(t.shape.size()));
    }
    if (static_cast<int64_t>(t.data.size()) != Tensor::element_count(t.shape)) {
      throw Error(ErrorKind::internal, where_ + ": the network output holds " + std::to_string(t.data.size()) +
                                           " values, its shape needs " + std::to_string(Tensor::element_count(t.shape)));
    }
    if (static_cast<int64_t>(index) >= t.shape[0]) {
      throw Error(ErrorKind::internal, where_ + ": batch item " + std::to_string(index) + " is not in the output");
    }
    const auto classes = static_cast<size_t>(t.shape[1]);
    if (classes != labels_.size()) {
      throw Error(ErrorKind::bad_input, where_ + ": network has " + std::to_string(classes) +
                                            " classes, \"labels\" has " + std::to_string(labels_.size()));
    }

    const float* row = t.data.data() + index * classes;
    size_t best = 0;
    for (size_t c = 1; c < classes; ++c) {
      if (row[c] > row[best]) best = c;
    }
    const float score = row[best];
    return {score >= threshold_ ? labels_[best] : 0, score};
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
