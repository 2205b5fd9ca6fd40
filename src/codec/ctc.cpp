// CTC greedy decoding, as MMOCR 1.x's CTCPostProcessor and mmdeploy 1.x's CTCConvertor do it.
//
// Input: outputs[0] of shape [N, T, C], class scores per time step. For each step take the best
// class; a class repeated over consecutive steps is one character (a repeat with a blank in
// between is two); the blank and the ignored tokens are dropped. A character's score is the
// score of the step that started its run — the step MMOCR and mmdeploy keep — and the text's
// score is the mean of the character scores (0 for an empty text; PaddleOCR does the same).
//
// Params: the Dictionary's (see dictionary.hpp), plus
//   apply_softmax (false)       softmax each kept step first, for networks that output logits.
//                               MMOCR 1.x's CRNN decoder ends in a softmax in test mode, so its
//                               exported network outputs probabilities, and mmdeploy 1.x's
//                               CTCConvertor uses the values as they are; PP-OCR rec outputs
//                               probabilities too. (mmdeploy 0.x applied a softmax because
//                               MMOCR 0.x exported logits.) The text never depends on it.
//   ignore_chars (["padding"])  MMOCR's: the keywords "padding", "end", "unknown" name special
//                               tokens, anything else is a dictionary token; names that are not
//                               in the dictionary are skipped, as MMOCR does (with a warning).
//                               With the default, a predicted unknown token appears as "<UKN>"
//                               in the text, as in MMOCR; add "unknown" to drop it.
//   space_gap (0 = off)         ours: between two characters that are not CJK, a run of blank
//                               steps at least this many longer than the line's median gap
//                               (and at least twice it) is a space the network did not write.
//                               PP-OCR's Chinese recogniser often leaves them out in Latin text.
//   latin_forms (false)         ours: full-width ASCII forms outside CJK text become ASCII
//                               ("TOTAL（RM）" reads "TOTAL(RM)"; see latin_forms.hpp). For
//                               Chinese dictionaries used on Latin documents.
// The blank (class 0 with blank_first, else MMOCR's padding token) is always dropped, whatever
// ignore_chars says (deliberately: MMOCR's CTCPostProcessor with "ignore_chars": [] writes its
// padding token "<PAD>" into the text wherever a blank follows a character); a dictionary
// without one is refused. A NaN score never wins a step, and a step whose scores are all NaN
// reads as the blank (score_matrix.hpp).
//
// Edge cases, decided (docs/model-package.md): an empty text scores 0 (MMOCR: NaN); a NaN in a
// row is passed over (MMOCR: the NaN class wins and the score is NaN).
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <vector>

#include "codec/codec.hpp"
#include "codec/dictionary.hpp"
#include "codec/latin_forms.hpp"
#include "core/utf8.hpp"
#include "codec/score_matrix.hpp"
#include "codec/sequence_decoding.hpp"
#include "ocrserve/error.hpp"

namespace ocrserve {
namespace {

bool is_space(const std::string& token) { return !token.empty() && token.front() == ' '; }

// Whether a space may go between two tokens: neither is a space already, and neither is CJK
// (written without spaces).
bool spaceable(const std::string& before, const std::string& after) {
  if (before.empty() || after.empty() || is_space(before) || is_space(after)) return false;
  return !is_cjk(utf8_chars(before).back().point) && !is_cjk(utf8_chars(after).front().point);
}

// The blank steps between two characters that make a space: `space_gap` more than the line's
// median gap and at least twice it, so that the rule follows the font and the scale.
template <typename Kept>
int64_t wide_gap_of(const std::vector<Kept>& kept, int space_gap) {
  std::vector<int64_t> gaps;
  for (size_t i = 1; i < kept.size(); ++i) {
    if (!is_space(*kept[i - 1].token) && !is_space(*kept[i].token)) gaps.push_back(kept[i].first - kept[i - 1].last - 1);
  }
  if (gaps.size() < 2) return INT64_MAX;
  std::nth_element(gaps.begin(), gaps.begin() + static_cast<long>(gaps.size() / 2), gaps.end());
  const int64_t median = gaps[gaps.size() / 2];
  return std::max(median + space_gap, 2 * median);
}

class CtcCodec final : public RecognitionCodec {
 public:
  CtcCodec(const Json& params, const CodecContext& context)
      : dictionary_(params, context),
        where_(context.where),
        apply_softmax_(optional_field<bool>(params, "apply_softmax", false, context.where)),
        latin_forms_(optional_field<bool>(params, "latin_forms", false, context.where)),
        space_gap_(optional_field<int>(params, "space_gap", 0, context.where)),
        ignored_(ignored_classes(dictionary_, params, context.where)) {
    if (!dictionary_.blank_index()) {
      throw Error(ErrorKind::bad_input,
                  where_ + ": CTC needs a blank class: set \"with_padding\" (MMOCR) or \"blank_first\" (PaddleOCR)");
    }
    blank_ = *dictionary_.blank_index();
    ignored_[blank_] = 1;
  }

  RecognizedText decode(const std::vector<Tensor>& outputs, size_t index) const override {
    const ScoreMatrix scores = ScoreMatrix::of(outputs, index, where_);
    const auto classes = static_cast<size_t>(scores.classes);
    if (classes != dictionary_.size()) {
      throw Error(ErrorKind::bad_input, where_ + ": network has " + std::to_string(classes) +
                                            " classes, dictionary has " + std::to_string(dictionary_.size()));
    }

    RecognizedText result;
    if (classes == 0) return result;
    result.char_scores.reserve(static_cast<size_t>(scores.steps));
    result.text.reserve(static_cast<size_t>(scores.steps));
    // Each kept character with the steps it spans, then the text (with inferred spaces).
    struct Kept {
      const std::string* token;
      float score;
      int64_t first, last;
    };
    std::vector<Kept> kept;
    size_t previous = blank_;  // as MMOCR's prev_idx = padding_idx: a leading character counts
    const float* row = scores.data;
    for (int64_t t = 0; t < scores.steps; ++t, row += classes) {
      const auto [best, best_score] = row_max(row, classes);
      if (best == classes) {  // every score NaN: no class, read as the blank
        previous = blank_;
        continue;
      }
      if (best != previous && !ignored_[best]) {
        kept.push_back({&dictionary_.token(best), apply_softmax_ ? softmax_at_max(row, classes, best_score) : best_score, t, t});
      } else if (best == previous && !ignored_[best] && !kept.empty()) {
        kept.back().last = t;
      }
      previous = best;
    }
    const int64_t space_after = space_gap_ > 0 ? wide_gap_of(kept, space_gap_) : INT64_MAX;
    for (size_t i = 0; i < kept.size(); ++i) {
      if (i > 0 && kept[i].first - kept[i - 1].last - 1 >= space_after && spaceable(*kept[i - 1].token, *kept[i].token)) {
        // One score per character: an inferred space gets the mean of its neighbours'.
        result.text += ' ';
        result.char_scores.push_back((kept[i - 1].score + kept[i].score) / 2);
      }
      result.text += *kept[i].token;
      result.char_scores.push_back(kept[i].score);
    }
    // The text's score is the network's characters', inferred spaces left out.
    std::vector<float> network_scores;
    for (const Kept& k : kept) network_scores.push_back(k.score);
    result.score = mean_score(network_scores);
    if (latin_forms_) result.text = latin_forms_outside_cjk(result.text);
    return result;
  }

 private:
  Dictionary dictionary_;
  std::string where_;
  bool apply_softmax_;
  bool latin_forms_;
  int space_gap_;
  std::vector<unsigned char> ignored_;  // per class: 1 = dropped from the text
  size_t blank_ = 0;
};

RecognitionCodecFactory ctc_factory() {
  return [](const Json& params, const CodecContext& context) -> std::unique_ptr<RecognitionCodec> {
    return std::make_unique<CtcCodec>(params, context);
  };
}

const CodecRegistration ctc_convertor("CTCConvertor", ctc_factory());          // mmdeploy's name
const CodecRegistration ctc_postprocessor("CTCPostProcessor", ctc_factory());  // MMOCR's name

}  // namespace
}  // namespace ocrserve
