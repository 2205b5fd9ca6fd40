#include "serve/pixel_budget.hpp"

namespace ocrserve {

void PixelBudget::acquire(uint64_t pixels) {
  std::unique_lock lock(mutex_);
  freed_.wait(lock, [&] { return used_ == 0 || used_ + pixels <= capacity_; });
  used_ += pixels;
}

void PixelBudget::release(uint64_t pixels) {
  {
    std::lock_guard lock(mutex_);
    used_ -= pixels;
  }
  freed_.notify_all();
}

PixelBudget& PixelBudget::process() {
  static PixelBudget budget(40'000'000);
  return budget;
}

void PixelBudget::set_capacity(uint64_t capacity) {
  {
    std::lock_guard lock(mutex_);
    capacity_ = capacity;
  }
  freed_.notify_all();
}

}  // namespace ocrserve
