#pragma once
// Crafted per-step class scores for the sequence decoders' tests.
#include <algorithm>
#include <vector>

namespace ocrserve::test {

// One batch item of [T, C]: at step t class best[t] scores score[t], the other classes share
// the rest evenly (so every row sums to 1 and best[t] is its unique maximum for score > 1/C).
inline std::vector<float> rows(const std::vector<int>& best, const std::vector<float>& score, int classes) {
  std::vector<float> data(best.size() * classes);
  for (size_t t = 0; t < best.size(); ++t) {
    std::fill_n(data.begin() + t * classes, classes, (1.0f - score[t]) / static_cast<float>(classes - 1));
    data[t * classes + best[t]] = score[t];
  }
  return data;
}

}  // namespace ocrserve::test
