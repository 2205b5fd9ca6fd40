// CTC greedy decoding, as MMOCR's CTCPostProcessor and mmdeploy's CTCConvertor: the best class
// per time step; a class repeated over consecutive steps is one character; the blank (MMOCR's
// padding token, or PaddleOCR's leading blank) separates characters and is dropped.
#include <algorithm>
#include <cmath>

#include "codec/codec.hpp"
#include "codec/dictionary.hpp"
#include "codec/score_matrix.hpp"

namespace ocrserve {
namespace {

class CtcCodec final : public RecognitionCodec {
 public:
  CtcCodec(const Json& params, const CodecContext& context)
      : dictionary_(params, context),
        where_(context.where),
        // MMOCR 1.x decoders end with a softmax in test mode, so the exported network
        // already outputs probabilities; set apply_softmax for networks that emit logits.
        apply_softmax_(optional_field<bool>(params, "apply_softmax", false, context.where)) {
    if (dictionary_.blank_index()) {
      blank_ = *dictionary_.blank_index();
    } else if (dictionary_.padding_index()) {
      blank_ = *dictionary_.padding_index();
    } else {
      throw Error(ErrorKind::bad_input, where_ + ": CTC needs a blank: set with_padding (MMOCR) or blank_first (PaddleOCR)");
    }
  }

  RecognizedText decode(const std::vector<Tensor>& outputs, size_t index) const override {
    const ScoreMatrix scores = ScoreMatrix::of(outputs, index, where_);
    if (static_cast<size_t>(scores.classes) != dictionary_.size()) {
      throw Error(ErrorKind::bad_input, where_ + ": the network has " + std::to_string(scores.classes) +
                                            " classes, the dictionary has " + std::to_string(dictionary_.size()));
    }
    RecognizedText result;
    size_t previous = blank_;
    for (int64_t t = 0; t < scores.steps; ++t) {
      const float* row = scores.data + t * scores.classes;
      const float* best = std::max_element(row, row + scores.classes);
      const size_t cls = static_cast<size_t>(best - row);
      if (cls != previous && cls != blank_) {
        result.text += dictionary_.token(cls);
        result.char_scores.push_back(apply_softmax_ ? softmax_of(row, scores.classes, *best) : *best);
      }
      previous = cls;
    }
    if (!result.char_scores.empty()) {
      float sum = 0;
      for (float s : result.char_scores) sum += s;
      result.score = sum / static_cast<float>(result.char_scores.size());
    }
    return result;
  }

 private:
  // The softmax probability of the best class, from logits.
  static float softmax_of(const float* row, int64_t classes, float best) {
    double sum = 0;
    for (int64_t c = 0; c < classes; ++c) sum += std::exp(static_cast<double>(row[c] - best));
    return static_cast<float>(1.0 / sum);
  }

  Dictionary dictionary_;
  std::string where_;
  bool apply_softmax_;
  size_t blank_ = 0;
};

RecognitionCodecFactory factory() {
  return [](const Json& params, const CodecContext& context) -> std::unique_ptr<RecognitionCodec> {
    return std::make_unique<CtcCodec>(params, context);
  };
}

const CodecRegistration ctc_convertor("CTCConvertor", factory());
const CodecRegistration ctc_postprocessor("CTCPostProcessor", factory());

}  // namespace
}  // namespace ocrserve
