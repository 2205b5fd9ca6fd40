#include "pipeline/overlapped_ocr.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

#include "pipeline/width_batches.hpp"

namespace ocrserve {
namespace {

// Jobs in flight per lane: enough that a lane finishing its part of one job finds another image
// to detect, few enough that decoded images do not pile up.
constexpr size_t kJobsPerLane = 2;

// A job and where it stands. A job's vectors are sized before lanes write into them, so lanes
// write distinct elements; everything else is guarded by the scheduler's mutex.
struct JobState {
  OcrJob job;
  std::vector<DetectionResult> detections;
  size_t next_detection = 0, detected = 0;
  std::vector<cv::Mat> crops;                // made by the lane that finished the last detection
  std::vector<std::vector<size_t>> batches;  // width batches of `crops`
  std::vector<RecognizedText> texts;
  bool recognisable = false;                 // crops and batches are made
  size_t next_batch = 0, recognised = 0;
  bool assembled = false;
  size_t running = 0;                        // tasks of this job on lanes now
  bool finished = false;                     // nothing runs or will run: done() may take it
};

enum class Step { detect, crop, recognise, assemble };

struct Task {
  JobState* state;
  Step step;
  size_t item = 0;  // the image to detect, or the batch to recognise
};

class Scheduler {
 public:
  explicit Scheduler(std::vector<OcrLane>& lanes) : lanes_(lanes) {}

  void run(const std::function<bool(OcrJob&)>& next_job, const std::function<void(OcrJob&&)>& done) {
    std::vector<std::thread> threads;
    // Stops and joins the lanes however this function is left.
    struct Joiner {
      Scheduler& scheduler;
      std::vector<std::thread>& threads;
      ~Joiner() {
        {
          std::lock_guard<std::mutex> lock(scheduler.mutex_);
          scheduler.stopping_ = true;
        }
        scheduler.changed_.notify_all();
        for (auto& thread : threads) thread.join();
      }
    } joiner{*this, threads};
    for (auto& lane : lanes_) threads.emplace_back([this, &lane] { work(lane); });

    const size_t window = kJobsPerLane * lanes_.size();
    bool more = true;
    std::unique_lock<std::mutex> lock(mutex_);
    while (more || !jobs_.empty()) {
      if (!jobs_.empty() && jobs_.front().finished) {
        OcrJob job = std::move(jobs_.front().job);
        jobs_.pop_front();
        lock.unlock();
        done(std::move(job));
        lock.lock();
      } else if (more && jobs_.size() < window) {
        lock.unlock();
        OcrJob job;
        more = next_job(job);
        lock.lock();
        if (more) add(std::move(job));
      } else {
        changed_.wait(lock);
      }
    }
  }

 private:
  void add(OcrJob job) {
    JobState& state = jobs_.emplace_back();
    state.job = std::move(job);
    state.detections.resize(state.job.images.size());
    // A job that failed to be read, or has no images, is done as it comes.
    state.finished = state.job.error || state.job.images.empty();
    changed_.notify_all();
  }

  // The next task ready, under the mutex: lines of the oldest job first, so that results leave
  // in order and few crops are held, else the next image to detect.
  std::optional<Task> take() {
    for (auto& state : jobs_) {
      if (state.recognisable && state.next_batch < state.batches.size()) {
        return Task{&state, Step::recognise, state.next_batch++};
      }
    }
    for (auto& state : jobs_) {
      if (!state.finished && state.next_detection < state.job.images.size()) {
        return Task{&state, Step::detect, state.next_detection++};
      }
    }
    return std::nullopt;
  }

  void work(OcrLane& lane) {
    std::unique_lock<std::mutex> lock(mutex_);
    std::optional<Task> task;
    while (true) {
      if (!task) changed_.wait(lock, [&] { return stopping_ || (task = take()); });
      if (stopping_) return;
      JobState& state = *task->state;
      ++state.running;
      lock.unlock();
      StageTimes times;
      std::exception_ptr error;
      try {
        perform(lane, *task, times);
      } catch (...) {
        error = std::current_exception();
      }
      lock.lock();
      --state.running;
      state.job.times += times;
      task = error ? fail(state, error) : follow(state, task->step);
      if (state.running == 0 && !task && (state.job.error || state.assembled)) state.finished = true;
      changed_.notify_all();
    }
  }

  // Runs a task, without the mutex.
  static void perform(OcrLane& lane, const Task& task, StageTimes& times) {
    JobState& state = *task.state;
    switch (task.step) {
      case Step::detect:
        state.detections[task.item] = lane.detect(state.job.images[task.item], &times);
        break;
      case Step::crop:
        state.crops = lane.crops(state.job.images, state.detections, &times);
        state.batches = width_batches(state.crops, lane.batch_size());
        state.texts.resize(state.crops.size());
        break;
      case Step::recognise: {
        const std::vector<size_t>& batch = state.batches[task.item];
        std::vector<cv::Mat> crops;
        for (size_t i : batch) crops.push_back(state.crops[i]);
        std::vector<RecognizedText> texts = lane.recognize(crops, &times);
        for (size_t k = 0; k < batch.size(); ++k) state.texts[batch[k]] = std::move(texts[k]);
        break;
      }
      case Step::assemble:
        state.job.results = lane.assemble(state.detections, state.texts, &times);
        break;
    }
  }

  // After a task succeeded, under the mutex: the step it makes due, which the same lane takes.
  static std::optional<Task> follow(JobState& state, Step step) {
    if (state.job.error) return std::nullopt;  // another task of the job failed
    switch (step) {
      case Step::detect:
        if (++state.detected == state.job.images.size()) return Task{&state, Step::crop};
        break;
      case Step::crop:
        state.recognisable = true;
        if (state.batches.empty()) return Task{&state, Step::assemble};
        break;
      case Step::recognise:
        if (++state.recognised == state.batches.size()) return Task{&state, Step::assemble};
        break;
      case Step::assemble:
        state.assembled = true;
        // What the results were made from is no longer needed.
        state.crops = {};
        state.texts = {};
        state.detections = {};
        break;
    }
    return std::nullopt;
  }

  // After a task failed, under the mutex: the job keeps its first error and starts nothing more.
  static std::optional<Task> fail(JobState& state, std::exception_ptr error) {
    if (!state.job.error) state.job.error = error;
    state.job.results.clear();
    state.next_detection = state.job.images.size();
    state.next_batch = state.batches.size();
    return std::nullopt;
  }

  std::vector<OcrLane>& lanes_;
  std::mutex mutex_;
  std::condition_variable changed_;  // a task became ready, a job finished, or stopping
  std::deque<JobState> jobs_;        // oldest first; a deque keeps lanes' references valid as jobs come and go
  bool stopping_ = false;
};

}  // namespace

void run_overlapped(std::vector<OcrLane>& lanes, const std::function<bool(OcrJob&)>& next_job,
                    const std::function<void(OcrJob&&)>& done) {
  Scheduler(lanes).run(next_job, done);
}

}  // namespace ocrserve
