#pragma once
// The decoded pixels all workers of the process may hold at once. A 40-megapixel image costs
// about 600 MB on its way through detection (the decoded picture, its padded copy and the
// network's activations); several at once, one per worker, would take the server past a
// gigabyte. Workers wait here instead, so large images are run one after another while small
// ones, far under the budget, pass side by side.
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace ocrserve {

class PixelBudget {
 public:
  explicit PixelBudget(uint64_t capacity) : capacity_(capacity) {}

  // Blocks until `pixels` fit beside what others hold; a request larger than the whole
  // budget waits until it runs alone.
  void acquire(uint64_t pixels);
  void release(uint64_t pixels);

  // The budget every Servable of this process shares.
  static PixelBudget& process();
  void set_capacity(uint64_t capacity);

 private:
  std::mutex mutex_;
  std::condition_variable freed_;
  uint64_t capacity_;
  uint64_t used_ = 0;
};

// Holds pixels of a budget for a scope.
class PixelHold {
 public:
  PixelHold(PixelBudget& budget, uint64_t pixels) : budget_(budget), pixels_(pixels) { budget_.acquire(pixels_); }
  ~PixelHold() { budget_.release(pixels_); }
  PixelHold(const PixelHold&) = delete;
  PixelHold& operator=(const PixelHold&) = delete;

 private:
  PixelBudget& budget_;
  uint64_t pixels_;
};

}  // namespace ocrserve
