#pragma once
// Access to a [N, T, C] per-step class-score output, shared by the sequence decoders.
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
    if (static_cast<int64_t>(index) >= t.shape[0]) {
      throw Error(ErrorKind::internal, who + ": batch item " + std::to_string(index) + " is not in the output");
    }
    return {t.data.data() + index * t.shape[1] * t.shape[2], t.shape[1], t.shape[2]};
  }
};

}  // namespace ocrserve
