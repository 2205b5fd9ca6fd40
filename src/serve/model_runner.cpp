#include "serve/model_runner.hpp"

#include <algorithm>
#include <bit>
#include <future>

#include <spdlog/spdlog.h>

namespace ocrserve {

struct ModelRunner::Worker {
  int id = 0;
  std::chrono::system_clock::time_point start_time = std::chrono::system_clock::now();
  std::atomic<bool> ready{false};
  std::chrono::milliseconds load_time{0};  // written before ready is set, read after
  bool stop = false;  // guarded by ModelRunner::mutex_
  std::thread thread;
};

namespace {

RunnerSettings clamped(RunnerSettings settings) {
  settings.response_timeout = std::min<std::chrono::seconds>(settings.response_timeout, kLongestSetting);
  settings.max_batch_delay = std::min<std::chrono::milliseconds>(settings.max_batch_delay, kLongestSetting);
  return settings;
}

}  // namespace

ModelRunner::ModelRunner(ServableSpec spec, RunnerSettings settings)
    : ModelRunner(spec, settings, [spec] { return std::make_unique<Servable>(spec); }) {}

ModelRunner::ModelRunner(ServableSpec spec, RunnerSettings settings, BatchProcessorFactory make_processor)
    : spec_(std::move(spec)),
      settings_(clamped(settings)),
      make_processor_(std::move(make_processor)),
      sweeper_([this] { sweep(); }) {}

ModelRunner::~ModelRunner() { drain(); }

ModelRunner::Submit ModelRunner::submit(Job&& job) {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return Submit::closed;
    if (workers_.empty()) return ++stats_.rejected, Submit::no_worker;
    if (queue_.size() >= settings_.queue_capacity) return ++stats_.rejected, Submit::queue_full;
    job.enqueued = Clock::now();
    queue_.push_back(std::move(job));
  }
  wake_.notify_all();
  sweep_.notify_one();
  return Submit::accepted;
}

void ModelRunner::scale(size_t count) {
  std::lock_guard scaling(scaling_);
  std::vector<std::unique_ptr<Worker>> stopping;
  std::vector<std::pair<Worker*, std::future<void>>> starting;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    while (workers_.size() > count) {
      workers_.back()->stop = true;
      stopping.push_back(std::move(workers_.back()));
      workers_.pop_back();
    }
    while (workers_.size() < count) {
      auto worker = std::make_unique<Worker>();
      worker->id = next_worker_id_++;
      std::promise<void> loaded;
      starting.emplace_back(worker.get(), loaded.get_future());
      worker->thread = std::thread(&ModelRunner::work, this, std::ref(*worker), std::move(loaded));
      workers_.push_back(std::move(worker));
    }
  }
  wake_.notify_all();
  for (auto& worker : stopping) worker->thread.join();
  if (count == 0) fail_queued(Error(ErrorKind::overloaded, "the model was scaled to 0 workers"));

  std::optional<Error> failure;
  for (auto& [worker, loaded] : starting) {
    try {
      loaded.get();
    } catch (const Error& e) {
      if (!failure) failure = e;
    }
  }
  if (failure) {
    // Workers that could not load have ended; forget them.
    std::lock_guard lock(mutex_);
    for (auto it = workers_.begin(); it != workers_.end();) {
      if (!(*it)->ready) {
        (*it)->thread.join();
        it = workers_.erase(it);
      } else {
        ++it;
      }
    }
    throw *failure;
  }
}

void ModelRunner::drain() {
  std::lock_guard scaling(scaling_);
  std::list<std::unique_ptr<Worker>> workers;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    workers.swap(workers_);
    // Workers leave only once the queue is empty (see take_batch).
    for (auto& worker : workers) worker->stop = false;
  }
  wake_.notify_all();
  for (auto& worker : workers) worker->thread.join();
  fail_queued(Error(ErrorKind::overloaded, "the model was unloaded"));
  {
    std::lock_guard lock(mutex_);
    sweeper_stop_ = true;
  }
  sweep_.notify_one();
  if (sweeper_.joinable()) sweeper_.join();
}

void ModelRunner::sweep() {
  std::unique_lock lock(mutex_);
  while (!sweeper_stop_) {
    if (queue_.empty()) {
      sweep_.wait(lock);
      continue;
    }
    // The queue is in arrival order: the front expires first.
    const auto deadline = queue_.front().enqueued + settings_.response_timeout;
    if (Clock::now() < deadline) {
      sweep_.wait_until(lock, deadline);
      continue;
    }
    std::vector<Job> late;
    const auto now = Clock::now();
    while (!queue_.empty() && now - queue_.front().enqueued > settings_.response_timeout) {
      late.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    lock.unlock();
    for (auto& job : late) {
      stats_.timed_out++;
      job.done({}, expired(now - job.enqueued), {});
    }
    lock.lock();
  }
}

Error ModelRunner::expired(Clock::duration waited) const {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(waited);
  return Error(ErrorKind::overloaded, "request waited " + std::to_string(ms.count() / 1000.0).substr(0, 5) +
                                          " s for a worker, longer than response_timeout (" +
                                          std::to_string(settings_.response_timeout.count()) + " s); not run");
}

void ModelRunner::fail_waiting(const Error& error) {
  std::deque<Job> failed;
  {
    std::lock_guard lock(mutex_);
    failed.swap(queue_);
  }
  for (auto& job : failed) job.done({}, error, {});
}

size_t ModelRunner::worker_count() const {
  std::lock_guard lock(mutex_);
  return workers_.size();
}

size_t ModelRunner::queued() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

std::vector<WorkerStatus> ModelRunner::workers() const {
  std::lock_guard lock(mutex_);
  std::vector<WorkerStatus> result;
  for (const auto& worker : workers_) {
    const bool ready = worker->ready;
    result.push_back({worker->id, ready ? "READY" : "LOADING", worker->start_time,
                      ready ? worker->load_time : std::chrono::milliseconds(0)});
  }
  return result;
}

void ModelRunner::work(Worker& worker, std::promise<void> loaded) {
  std::unique_ptr<BatchProcessor> processor;
  const auto loading = Clock::now();
  try {
    processor = make_processor_();
    worker.load_time = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - loading);
  } catch (const Error& e) {
    loaded.set_exception(std::make_exception_ptr(e));
    return;
  } catch (const std::exception& e) {
    loaded.set_exception(std::make_exception_ptr(Error(ErrorKind::internal, e.what())));
    return;
  }
  worker.ready = true;
  loaded.set_value();
  while (true) {
    std::vector<Job> batch = take_batch(worker);
    if (batch.empty()) return;
    drop_stale(batch);
    if (!batch.empty()) run_batch(*processor, batch);
  }
}

// Blocks until a job is queued, then gathers more until batch_size images are held or
// max_batch_delay has passed since the first was taken. Empty when the worker must stop.
std::vector<Job> ModelRunner::take_batch(Worker& worker) {
  std::unique_lock lock(mutex_);
  auto must_stop = [&] { return worker.stop || (closed_ && queue_.empty()); };
  // One worker assembles a batch at a time; the others wait here, where a stop reaches them.
  wake_.wait(lock, [&] { return must_stop() || (!assembling_ && !queue_.empty()); });
  if (must_stop()) return {};

  // A single worker follows TorchServe: up to batch_size images, waiting max_batch_delay for
  // them. With several, since on a CPU a batch is not cheaper per image than single runs,
  // batching must never leave a core idle: a worker takes only its share of the queue (rounded
  // up), leaves the rest for the workers that finish next, and does not wait.
  const size_t workers = workers_.size();
  const bool alone = workers <= 1;
  const size_t limit =
      alone ? settings_.batch_size : std::clamp<size_t>((queue_.size() + workers - 1) / workers, 1, settings_.batch_size);
  const bool wait_for_more = alone;

  assembling_ = true;
  std::vector<Job> batch;
  size_t images = 0;
  const auto deadline = Clock::now() + settings_.max_batch_delay;
  while (true) {
    while (!queue_.empty() && (batch.empty() || images + queue_.front().images.size() <= limit)) {
      images += queue_.front().images.size();
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    if (images >= limit || !queue_.empty() || closed_ || !wait_for_more) break;
    if (!wake_.wait_until(lock, deadline, [&] { return !queue_.empty() || closed_; })) break;
  }
  assembling_ = false;
  lock.unlock();
  wake_.notify_all();
  return batch;
}

// TorchServe's response_timeout, applied where it can be without killing a worker: a job
// that waited longer than it for a worker is answered with an error instead of being run (by
// sweep() as it expires, or here if a worker took it first), so a backlog sheds requests whose
// clients have likely given up rather than answering them late. A job whose client has
// certainly gone is dropped the same way.
void ModelRunner::drop_stale(std::vector<Job>& batch) {
  const auto now = Clock::now();
  const auto fresh = [&](const Job& job) {
    return now - job.enqueued <= settings_.response_timeout && !(job.abandoned && job.abandoned());
  };
  const auto stale = std::stable_partition(batch.begin(), batch.end(), fresh);
  for (auto job = stale; job != batch.end(); ++job) {
    if (job->abandoned && job->abandoned()) {
      stats_.abandoned++;
      job->done({}, Error(ErrorKind::overloaded, "the client closed the connection; not run"), {});
      continue;
    }
    stats_.timed_out++;
    job->done({}, expired(now - job->enqueued), {});
  }
  batch.erase(stale, batch.end());
}

void ModelRunner::run_batch(BatchProcessor& processor, std::vector<Job>& batch) {
  const auto start = Clock::now();
  std::vector<const std::string*> images;
  for (const auto& job : batch) {
    for (const auto& image : job.images) images.push_back(&image);
  }
  std::vector<ItemOutcome> outcomes;
  std::optional<Error> failure;
  const auto running = Clock::now();
  try {
    outcomes = processor.run(images);
  } catch (const Error& e) {
    failure = e;
  } catch (const std::exception& e) {
    failure = Error(ErrorKind::internal, e.what());
  }
  const auto ran = Clock::now();
  stats_.inference_latency_us += std::chrono::duration_cast<std::chrono::microseconds>(ran - start).count();
  stats_.batches++;
  stats_.jobs += batch.size();
  stats_.images += images.size();
  const size_t bucket = std::min<size_t>(std::bit_width(images.size() - 1), stats_.batch_size_counts.size() - 1);
  stats_.batch_size_counts[images.size() <= 1 ? 0 : bucket]++;

  size_t next = 0;
  for (auto& job : batch) {
    const size_t count = job.images.size();
    JobTimes times;
    times.ran = true;
    times.queued = std::chrono::duration_cast<std::chrono::microseconds>(start - job.enqueued);
    times.worker_overhead = std::chrono::duration_cast<std::chrono::microseconds>((Clock::now() - start) - (ran - running));
    if (failure) {
      stats_.failed_items += count;
      job.done({}, failure, times);
    } else {
      std::vector<ItemOutcome> mine(std::make_move_iterator(outcomes.begin() + next),
                                    std::make_move_iterator(outcomes.begin() + next + count));
      for (const auto& outcome : mine) stats_.failed_items += outcome.error.has_value();
      job.done(std::move(mine), std::nullopt, times);
    }
    next += count;
  }
}

void ModelRunner::fail_queued(const Error& error) {
  {
    std::lock_guard lock(mutex_);
    if (!workers_.empty()) return;
  }
  fail_waiting(error);
}

}  // namespace ocrserve
