#pragma once
// Text lines are batched with lines of similar aspect ratio, so that padding every line of a
// batch to the widest one wastes little work, and the batches are shared among threads.
#include <algorithm>
#include <atomic>
#include <exception>
#include <filesystem>
#include <memory>
#include <numeric>
#include <thread>
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

// Runs the crops in width batches over `models` (copies of one network, each used by one thread
// at a time): with several, each thread takes the next batch, widest first so that the last
// batches are short; `codec.decode(outputs, i)` makes each result. Small sequence networks use
// two single-threaded sessions better than one session with two threads. Results come back in
// the order of `crops`; the first error of any thread is rethrown.
template <typename Codec>
auto run_in_width_batches(const std::vector<std::unique_ptr<Model>>& models, const Codec& codec,
                          const std::vector<cv::Mat>& crops, size_t batch_size, StageTimes* times) {
  std::vector<decltype(codec.decode(std::vector<Tensor>{}, 0))> results(crops.size());
  const std::vector<std::vector<size_t>> batches = width_batches(crops, batch_size);
  std::atomic<size_t> next{0};
  auto work = [&](Model& model, StageTimes* worker_times) {
    std::vector<Sample> samples;
    std::vector<cv::Mat> batch_crops;
    for (size_t b; (b = next.fetch_add(1)) < batches.size();) {
      const std::vector<size_t>& batch = batches[batches.size() - 1 - b];
      batch_crops.clear();
      for (size_t i : batch) batch_crops.push_back(crops[i]);
      const std::vector<Tensor> outputs = model.infer(batch_crops, samples, worker_times);
      StageTimer timer(worker_times ? &worker_times->postprocess : nullptr);
      for (size_t i = 0; i < batch.size(); ++i) results[batch[i]] = codec.decode(outputs, i);
    }
  };
  const size_t workers = std::min(models.size(), batches.size());
  if (workers <= 1) {
    if (!batches.empty()) work(*models.front(), times);
    return results;
  }
  std::vector<StageTimes> worker_times(workers);
  std::vector<std::exception_ptr> errors(workers);
  std::vector<std::thread> threads;
  try {
    for (size_t w = 0; w < workers; ++w) {
      threads.emplace_back([&, w] {
        try {
          work(*models[w], &worker_times[w]);
        } catch (...) {
          errors[w] = std::current_exception();
          next = batches.size();  // the others stop after their current batch
        }
      });
    }
  } catch (...) {  // no thread to be had: stop those started, then report it
    next = batches.size();
    for (auto& thread : threads) thread.join();
    throw;
  }
  for (auto& thread : threads) thread.join();
  for (const auto& error : errors) {
    if (error) std::rethrow_exception(error);
  }
  // Stage times are work done, summed over the threads (as one thread would report it).
  if (times) {
    for (const auto& t : worker_times) *times += t;
  }
  return results;
}

// One model per thread: for T threads, min(T, 8) copies of the package, each given T / copies
// threads (so one each up to 8; past that memory, not cores, would bound the copies). T < 1:
// one copy with the backend's own threading.
inline std::vector<std::unique_ptr<Model>> models_for_threads(const std::filesystem::path& package_dir,
                                                              const BackendOptions& options) {
  constexpr int kMaxCopies = 8;
  std::vector<std::unique_ptr<Model>> models;
  if (options.intra_op_threads <= 1) {
    models.push_back(std::make_unique<Model>(package_dir, options));
    return models;
  }
  const int copies = std::min(options.intra_op_threads, kMaxCopies);
  BackendOptions each = options;
  each.intra_op_threads = options.intra_op_threads / copies;
  for (int i = 0; i < copies; ++i) models.push_back(std::make_unique<Model>(package_dir, each));
  return models;
}

}  // namespace ocrserve
