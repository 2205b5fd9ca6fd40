// Attention-decoder decoding (SAR, SATRN and the other encoder-decoder recognisers), as MMOCR
// 1.x's AttentionPostprocessor and mmdeploy 1.x's AttnConvertor do it.
//
// Input: outputs[0] of shape [N, T, C], one class distribution per decoding step; T is the
// decoder's max_seq_len (30 for SAR, 25 for SATRN), so MMOCR's max_seq_len param is not needed
// here. For each step take the best class: the end token ends the text, ignored classes are
// skipped, any other class is one character scored by its step's probability. The text's score
// is the mean of the character scores, as MMOCR's inferencer reports it (0 for an empty text).
//
// Classes: MMOCR 1.x's decoders (ParallelSARDecoder, SequentialSARDecoder, NRTRDecoder, which
// SATRN uses) predict all of the dictionary's classes — 93 for english_digits_symbols.txt with
// start/end, padding and unknown — so C must be the dictionary's size. MMOCR 0.x's decoders left
// out the padding class, which their dictionary put last; C = size - 1 is accepted when the
// padding token is our dictionary's last class too, as the other indices are then unchanged.
//
// Params: the Dictionary's (see dictionary.hpp; it must have an end token), plus
//   apply_softmax (false)       softmax each kept step first, for networks that output logits.
//                               MMOCR 1.x's decoders end in a softmax in test mode and mmdeploy
//                               1.x uses the values as they are. The text never depends on it.
//   ignore_chars (["padding"])  MMOCR's, read as the CTC codec reads it (sequence_decoding.hpp):
//                               a predicted unknown token appears as "<UKN>" unless "unknown" is
//                               listed.
// Each step's class is looked up in ignore_chars first and then compared with the end token,
// as MMOCR's AttentionPostprocessor does: listing "end" in ignore_chars decodes past the end
// token to the last step (mmdeploy's SDK stops at the end token whatever ignore_chars says; with
// the default ignore_chars both agree). "ignore_chars": [] ignores nothing, as in MMOCR: a
// predicted padding token is text ("<PAD>"). The start token, when it is not also the end
// token, is never emitted (MMOCR would print "<BOS>"). A NaN score never wins a step; a step
// whose scores are all NaN is passed over. An empty text scores 0 (MMOCR: NaN).
#include <optional>

#include "codec/codec.hpp"
#include "codec/dictionary.hpp"
#include "codec/score_matrix.hpp"
#include "codec/sequence_decoding.hpp"
#include "ocrserve/error.hpp"

namespace ocrserve {
namespace {

class AttentionCodec final : public RecognitionCodec {
 public:
  AttentionCodec(const Json& params, const CodecContext& context)
      : dictionary_(params, context),
        where_(context.where),
        apply_softmax_(optional_field<bool>(params, "apply_softmax", false, context.where)),
        ignored_(ignored_classes(dictionary_, params, context.where)) {
    if (!dictionary_.end_index()) {
      throw Error(ErrorKind::bad_input,
                  where_ + ": attention decoding needs an end token: set \"with_end\" in the dictionary");
    }
    end_ = *dictionary_.end_index();
    if (const auto start = dictionary_.start_index(); start && *start != end_) start_ = *start;
    const auto padding = dictionary_.padding_index();
    padding_last_ = padding && *padding + 1 == dictionary_.size();
  }

  RecognizedText decode(const std::vector<Tensor>& outputs, size_t index) const override {
    const ScoreMatrix scores = ScoreMatrix::of(outputs, index, where_);
    const auto classes = static_cast<size_t>(scores.classes);
    const bool without_padding = padding_last_ && classes + 1 == dictionary_.size();
    if (classes != dictionary_.size() && !without_padding) {
      throw Error(ErrorKind::bad_input, where_ + ": network has " + std::to_string(classes) +
                                            " classes, dictionary has " + std::to_string(dictionary_.size()));
    }

    RecognizedText result;
    const float* row = scores.data;
    for (int64_t t = 0; t < scores.steps; ++t, row += classes) {
      const auto [best, best_score] = row_max(row, classes);
      if (best == classes || ignored_[best]) continue;
      if (best == end_) break;
      if (start_ && best == *start_) continue;
      result.text += dictionary_.token(best);
      result.char_scores.push_back(apply_softmax_ ? softmax_at_max(row, classes, best_score) : best_score);
    }
    result.score = mean_score(result.char_scores);
    return result;
  }

 private:
  Dictionary dictionary_;
  std::string where_;
  bool apply_softmax_;
  std::vector<unsigned char> ignored_;  // per class: 1 = dropped from the text
  size_t end_ = 0;
  std::optional<size_t> start_;  // a start token distinct from the end token: never text
  bool padding_last_ = false;  // the network may then leave the padding class out (MMOCR 0.x)
};

RecognitionCodecFactory attention_factory() {
  return [](const Json& params, const CodecContext& context) -> std::unique_ptr<RecognitionCodec> {
    return std::make_unique<AttentionCodec>(params, context);
  };
}

const CodecRegistration attn_convertor("AttnConvertor", attention_factory());                  // mmdeploy's name
const CodecRegistration attention_postprocessor("AttentionPostprocessor", attention_factory());  // MMOCR's name

}  // namespace
}  // namespace ocrserve
