#pragma once
// Access to a [N, T, C] per-step class-score output, shared by the sequence decoders.
#include <cmath>
#include <string>

#include "core/tensor.hpp"
#include "ocrserve/error.hpp"

namespace ocrserve {

struct ScoreMatrix {
  const float* data;  // item `index`: T rows of C scores
  int64_t steps;
  int64_t classes;

  static ScoreMatrix of(const std::vector<Tensor>& outputs, size_t index, const std::string& who) {
    if (outputs.empty()) throw Error(ErrorKind::internal, who + ": the network returned no output");
    const Tensor& t = outputs.front();
    if (t.shape.size() != 3) {
      throw Error(ErrorKind::internal, who + ": expected [N, T, C] class scores, got rank " + std::to_string(t.shape.size()));
    }
    // A backend tensor whose data does not cover its shape would make us read out of bounds.
    for (int64_t d : t.shape) {
      if (d < 0) throw Error(ErrorKind::internal, who + ": negative dimension in the network output");
    }
    if (static_cast<int64_t>(t.data.size()) != Tensor::element_count(t.shape)) {
      throw Error(ErrorKind::internal, who + ": the network output holds " + std::to_string(t.data.size()) +
                                           " values, its shape needs " + std::to_string(Tensor::element_count(t.shape)));
    }
    if (static_cast<int64_t>(index) >= t.shape[0]) {
      throw Error(ErrorKind::internal, who + ": batch item " + std::to_string(index) + " is not in the output");
    }
    return {t.data.data() + index * t.shape[1] * t.shape[2], t.shape[1], t.shape[2]};
  }
};

// A row's best class and its score: the first of equal maxima, as torch.max. classes >= 1.
// NaN never wins (torch.max would return the NaN and its index, and the text's score would be
// NaN, which JSON cannot carry); a row of NaN only has no best class: index == classes.
struct RowMax {
  size_t index;
  float score;
};
inline RowMax row_max(const float* row, size_t classes) {
  RowMax best{classes, 0.0f};
  for (size_t c = 0; c < classes; ++c) {
    if (std::isnan(row[c])) continue;
    if (best.index == classes || row[c] > best.score) best = {c, row[c]};
  }
  return best;
}

}  // namespace ocrserve
