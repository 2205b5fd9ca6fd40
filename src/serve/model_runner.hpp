#pragma once
// One served model version: a bounded job queue, N workers each with its own pipeline (its own
// backend session), and TorchServe's dynamic batching — a worker takes the first queued job,
// then waits up to max_batch_delay for more until batch_size images are held. Unlike
// TorchServe, with several workers a worker takes only its share of the queue and does not wait.
#include <array>
#include <atomic>
#include <future>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "serve/servable.hpp"

namespace ocrserve {

using Clock = std::chrono::steady_clock;

// Where a job's time went, for TorchServe's QueueTime, WorkerThreadTime and queue latency. All
// zero for a job that never ran (timed out, dropped, failed while queued).
struct JobTimes {
  bool ran = false;
  std::chrono::microseconds queued{0};         // from submit() until a worker took its batch
  std::chrono::microseconds worker_overhead{0};  // the batch's time in the worker outside the pipeline
};

struct Job {
  std::vector<std::string> images;  // encoded image bytes, one per batch item
  // Called once from a worker thread: one outcome per image, or an error for the whole job.
  std::function<void(std::vector<ItemOutcome> outcomes, std::optional<Error> error, JobTimes times)> done;
  Clock::time_point enqueued{};
  // True once nobody waits for the answer (the client hung up): such a job is dropped, not run.
  std::function<bool()> abandoned;
};

struct RunnerSettings {
  size_t queue_capacity = 100;                        // job_queue_size
  size_t batch_size = 1;                              // images per batch
  std::chrono::milliseconds max_batch_delay{100};
  // A job that waited longer than this for a worker fails (503) instead of running late;
  // inference that has started is not interrupted.
  std::chrono::seconds response_timeout{120};
};
// Durations beyond this are taken as this (a year), so that deadlines never overflow.
constexpr std::chrono::hours kLongestSetting{24 * 365};

struct WorkerStatus {
  int id = 0;
  std::string status;  // READY, LOADING, STOPPING
  std::chrono::system_clock::time_point start_time;
  std::chrono::milliseconds load_time{0};  // loading its pipeline (TorchServe's WorkerLoadTime)
};

// Counters the metrics endpoint reads. Latencies are cumulative microseconds.
struct RunnerStats {
  std::atomic<uint64_t> jobs{0};
  std::atomic<uint64_t> images{0};
  std::atomic<uint64_t> batches{0};
  std::atomic<uint64_t> failed_items{0};
  std::atomic<uint64_t> inference_latency_us{0};
  std::atomic<uint64_t> rejected{0};
  std::atomic<uint64_t> timed_out{0};  // jobs that outwaited response_timeout in the queue
  std::atomic<uint64_t> abandoned{0};  // jobs whose clients left before a worker took them
  std::array<std::atomic<uint64_t>, 8> batch_size_counts{};  // batches of 1, 2, 3-4, 5-8, …, >64 images
};

class ModelRunner {
 public:
  // Workers run Servable(spec).
  ModelRunner(ServableSpec spec, RunnerSettings settings);
  // Workers run what `make_processor` makes (one per worker); `spec` is only described.
  ModelRunner(ServableSpec spec, RunnerSettings settings, BatchProcessorFactory make_processor);
  ~ModelRunner();
  ModelRunner(const ModelRunner&) = delete;
  ModelRunner& operator=(const ModelRunner&) = delete;

  enum class Submit { accepted, queue_full, no_worker, closed };
  Submit submit(Job&& job);

  // Starts or stops workers until `count` run. New workers have loaded their pipeline when this
  // returns; a load failure throws (the workers that did start keep running). Stopping workers
  // finish the batch they hold; queued jobs stay for the others. At 0 workers, queued jobs fail.
  void scale(size_t count);
  // Refuses new jobs, lets the workers finish every queued job, then stops them.
  void drain();
  // Answers every queued job with `error` at once, unrun (batches being run are not touched).
  void fail_waiting(const Error& error);

  size_t worker_count() const;
  size_t queued() const;
  std::vector<WorkerStatus> workers() const;
  const RunnerSettings& settings() const { return settings_; }
  const ServableSpec& spec() const { return spec_; }
  const RunnerStats& stats() const { return stats_; }

 private:
  struct Worker;
  void work(Worker& worker, std::promise<void> loaded);
  std::vector<Job> take_batch(Worker& worker);
  void drop_stale(std::vector<Job>& batch);
  Error expired(Clock::duration waited) const;
  void sweep();
  void run_batch(BatchProcessor& processor, std::vector<Job>& batch);
  void fail_queued(const Error& error);

  const ServableSpec spec_;
  const RunnerSettings settings_;
  const BatchProcessorFactory make_processor_;
  RunnerStats stats_;

  mutable std::mutex mutex_;         // guards queue_, workers_, closed_, stop flags, assembling_
  std::condition_variable wake_;
  std::deque<Job> queue_;
  std::list<std::unique_ptr<Worker>> workers_;
  bool closed_ = false;
  int next_worker_id_ = 9000;        // TorchServe numbers workers from its first port
  bool assembling_ = false;          // a worker is forming a batch (guarded by mutex_)
  std::mutex scaling_;               // one scale() or drain() at a time
  // Answers jobs that outwait response_timeout in the queue at that moment, even while every
  // worker is busy with a long batch.
  std::condition_variable sweep_;
  bool sweeper_stop_ = false;        // guarded by mutex_
  std::thread sweeper_;
};

}  // namespace ocrserve
