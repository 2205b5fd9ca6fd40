#pragma once
// Time spent per pipeline stage, accumulated over calls; filled when a caller passes one in.
#include <chrono>

namespace ocrserve {

struct StageTimes {
  using Duration = std::chrono::duration<double, std::milli>;
  Duration preprocess{0};
  Duration inference{0};
  Duration postprocess{0};  // decoding the network output (and cropping, for OCR)

  StageTimes& operator+=(const StageTimes& other) {
    preprocess += other.preprocess;
    inference += other.inference;
    postprocess += other.postprocess;
    return *this;
  }
};

// Adds the time from construction to destruction to `target` (if not null).
class StageTimer {
 public:
  explicit StageTimer(StageTimes::Duration* target)
      : target_(target), start_(std::chrono::steady_clock::now()) {}
  ~StageTimer() {
    if (target_) *target_ += std::chrono::steady_clock::now() - start_;
  }
  StageTimer(const StageTimer&) = delete;
  StageTimer& operator=(const StageTimer&) = delete;

 private:
  StageTimes::Duration* target_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace ocrserve
