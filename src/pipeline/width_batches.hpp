#pragma once
// Text lines are batched with lines of similar aspect ratio, so that padding every line of a
// batch to the widest one wastes little work.
#include <algorithm>
#include <numeric>
#include <vector>

#include <opencv2/core.hpp>

#include "pipeline/model.hpp"

namespace ocrserve {

// Index groups of at most `batch_size` crops, narrowest aspect ratio first.
inline std::vector<std::vector<size_t>> width_batches(const std::vector<cv::Mat>& crops, size_t batch_size) {
  batch_size = std::max<size_t>(batch_size, 1);
  std::vector<size_t> order(crops.size());
  std::iota(order.begin(), order.end(), 0);
  auto ratio = [&](size_t i) { return crops[i].rows ? static_cast<double>(crops[i].cols) / crops[i].rows : 0.0; };
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return ratio(a) < ratio(b); });
  std::vector<std::vector<size_t>> batches;
  for (size_t start = 0; start < order.size(); start += batch_size) {
    const size_t end = std::min(order.size(), start + batch_size);
    batches.emplace_back(order.begin() + start, order.begin() + end);
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
