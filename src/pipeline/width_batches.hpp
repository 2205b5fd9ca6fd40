#pragma once
// Text lines are batched with lines of similar aspect ratio, so that padding every line of a
// batch to the widest one wastes little work.
#include <algorithm>
#include <numeric>
#include <vector>

#include <opencv2/core.hpp>

#include "pipeline/model.hpp"

namespace ocrserve {

// Index groups of at most `batch_size` crops, narrowest aspect ratio first. A batch also ends
// where a crop is over 1.25 times as wide (for its height) as the batch's first: every line is
// padded to the widest of its batch, and padding costs as much inference as text.
inline std::vector<std::vector<size_t>> width_batches(const std::vector<cv::Mat>& crops, size_t batch_size) {
  constexpr double kMaxWidthSpread = 1.25;
  batch_size = std::max<size_t>(batch_size, 1);
  std::vector<size_t> order(crops.size());
  std::iota(order.begin(), order.end(), 0);
  auto ratio = [&](size_t i) { return crops[i].rows ? static_cast<double>(crops[i].cols) / crops[i].rows : 0.0; };
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return ratio(a) < ratio(b); });
  std::vector<std::vector<size_t>> batches;
  for (size_t i : order) {
    if (batches.empty() || batches.back().size() >= batch_size || ratio(i) > kMaxWidthSpread * ratio(batches.back().front())) {
      batches.emplace_back();
    }
    batches.back().push_back(i);
  }
  return batches;
}

// Runs `model` over the crops in width batches; `codec.decode(outputs, i)` makes each result.
// Results come back in the order of `crops`.
template <typename Codec>
auto run_in_width_batches(Model& model, const Codec& codec, const std::vector<cv::Mat>& crops,
                          size_t batch_size, StageTimes* times) {
  std::vector<decltype(codec.decode(std::vector<Tensor>{}, 0))> results(crops.size());
  std::vector<Sample> samples;
  std::vector<cv::Mat> batch_crops;
  for (const auto& batch : width_batches(crops, batch_size)) {
    batch_crops.clear();
    for (size_t i : batch) batch_crops.push_back(crops[i]);
    const std::vector<Tensor> outputs = model.infer(batch_crops, samples, times);
    StageTimer timer(times ? &times->postprocess : nullptr);
    for (size_t i = 0; i < batch.size(); ++i) results[batch[i]] = codec.decode(outputs, i);
  }
  return results;
}

}  // namespace ocrserve
