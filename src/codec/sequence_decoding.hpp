#pragma once
// Pieces shared by the decoders of per-step class scores (CTC, attention); reading the scores
// is score_matrix.hpp.
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "codec/dictionary.hpp"

namespace ocrserve {

// Per class of `dictionary`: 1 = dropped from the text. Reads params["ignore_chars"] (default
// ["padding"], as MMOCR's BaseTextRecogPostprocessor): the keywords "padding", "end" and
// "unknown" name special tokens, anything else is a dictionary token. A name the dictionary
// lacks is skipped, as MMOCR and mmdeploy do (with a warning); so is a literal that resolves to
// the unknown token, since both let only the keyword "unknown" ignore that one.
inline std::vector<unsigned char> ignored_classes(const Dictionary& dictionary, const Json& params,
                                                  const std::string& where) {
  std::vector<unsigned char> ignored(dictionary.size(), 0);
  const auto names = optional_field<std::vector<std::string>>(params, "ignore_chars", {"padding"}, where);
  for (const std::string& name : names) {
    std::optional<size_t> index;
    if (name == "padding") {
      index = dictionary.padding_index();
    } else if (name == "end") {
      index = dictionary.end_index();
    } else if (name == "unknown") {
      index = dictionary.unknown_index();
    } else {
      index = dictionary.index_of(name);
      if (index == dictionary.unknown_index()) index.reset();
    }
    if (index) ignored[*index] = 1;
  }
  return ignored;
}

// The softmax probability of a row's largest logit: 1 / sum(exp(x - max)), NaN entries left
// out (as row_max leaves them out). Needs no buffer, and only the kept steps pay for it.
inline float softmax_at_max(const float* row, size_t classes, float max) {
  double sum = 0;
  for (size_t c = 0; c < classes; ++c) {
    if (!std::isnan(row[c])) sum += std::exp(static_cast<double>(row[c]) - max);
  }
  return static_cast<float>(1.0 / sum);
}

// The text score: the mean of the character scores, as MMOCR's inferencer reports it; 0 for an
// empty text, where numpy's mean is NaN: JSON has no NaN (it would be written null), and 0 reads
// as what it is, no evidence for any text.
inline float mean_score(const std::vector<float>& char_scores) {
  if (char_scores.empty()) return 0.0f;
  double sum = 0;
  for (float s : char_scores) sum += s;
  return static_cast<float>(sum / static_cast<double>(char_scores.size()));
}

}  // namespace ocrserve
