// The serving core's batcher (ModelRunner) and registry, with a fake pipeline: batches, queue
// limits, scaling, draining, timeouts and failures, without models or HTTP.
#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "serve/model_registry.hpp"
#include "serve/model_runner.hpp"

namespace ocrserve {
namespace {

using namespace std::chrono_literals;

// Echoes each image's bytes as its result, records the batches it saw, and can be held: while
// held, run() waits (a worker busy with a long batch) until released.
// The fake's result for an image: the image's bytes, as the text read.
std::string echo(const ItemOutcome& outcome) { return std::get<RecognizedText>(outcome.result).text; }

class FakeProcessors {
 public:
  BatchProcessorFactory factory() {
    return [this] { return std::make_unique<Processor>(*this); };
  }
  void hold() {
    std::lock_guard lock(mutex_);
    held_ = true;
  }
  void release() {
    {
      std::lock_guard lock(mutex_);
      held_ = false;
    }
    changed_.notify_all();
  }
  // Waits until `count` batches have started (run() was entered); false after 10 s.
  bool wait_started(size_t count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 10s, [&] { return started_ >= count; });
  }
  std::vector<std::vector<std::string>> batches() {
    std::lock_guard lock(mutex_);
    return batches_;
  }

 private:
  class Processor final : public BatchProcessor {
   public:
    explicit Processor(FakeProcessors& owner) : owner_(owner) {}
    std::vector<ItemOutcome> run(const std::vector<const std::string*>& images) override {
      std::vector<std::string> batch;
      for (const auto* image : images) batch.push_back(*image);
      {
        std::unique_lock lock(owner_.mutex_);
        owner_.batches_.push_back(batch);
        owner_.started_++;
        owner_.changed_.notify_all();
        owner_.changed_.wait(lock, [&] { return !owner_.held_; });
      }
      if (batch.size() == 1 && batch[0] == "crash") throw Error(ErrorKind::internal, "the network failed");
      std::vector<ItemOutcome> outcomes;
      for (const auto& image : batch) {
        if (image == "bad") outcomes.push_back({RecognizedText{}, Error(ErrorKind::bad_input, "not an image")});
        else outcomes.push_back({RecognizedText{image, 1.0f, {}}, std::nullopt});
      }
      return outcomes;
    }

   private:
    FakeProcessors& owner_;
  };

  std::mutex mutex_;
  std::condition_variable changed_;
  bool held_ = false;
  size_t started_ = 0;
  std::vector<std::vector<std::string>> batches_;
};

// A job whose answer arrives in a future.
struct Answer {
  std::vector<ItemOutcome> outcomes;
  std::optional<Error> error;
  JobTimes times;
};

Job job_of(std::vector<std::string> images, std::promise<Answer>& answer) {
  Job job;
  job.images = std::move(images);
  job.done = [&answer](std::vector<ItemOutcome> outcomes, std::optional<Error> error, JobTimes times) {
    answer.set_value({std::move(outcomes), std::move(error), times});
  };
  return job;
}

Answer wait_for(std::promise<Answer>& answer) {
  auto future = answer.get_future();
  EXPECT_EQ(future.wait_for(30s), std::future_status::ready);
  return future.get();
}

RunnerSettings settings(size_t batch_size, size_t queue = 100, std::chrono::milliseconds delay = 0ms) {
  RunnerSettings s;
  s.batch_size = batch_size;
  s.queue_capacity = queue;
  s.max_batch_delay = delay;
  return s;
}

TEST(ModelRunner, BatchesHoldAtMostBatchSizeAndEachJobGetsItsOwnOutcomes) {
  FakeProcessors fake;
  ModelRunner runner({}, settings(3), fake.factory());
  runner.scale(1);
  fake.hold();
  std::promise<Answer> first;
  ASSERT_EQ(runner.submit(job_of({"a"}, first)), ModelRunner::Submit::accepted);
  ASSERT_TRUE(fake.wait_started(1));  // the worker holds "a"; the rest queue behind it
  std::vector<std::promise<Answer>> answers(4);
  const std::vector<std::vector<std::string>> images = {{"b", "c"}, {"d"}, {"e"}, {"f", "g"}};
  for (size_t i = 0; i < answers.size(); ++i) {
    ASSERT_EQ(runner.submit(job_of(images[i], answers[i])), ModelRunner::Submit::accepted);
  }
  EXPECT_EQ(runner.queued(), 4u);
  fake.release();

  EXPECT_EQ(echo(wait_for(first).outcomes[0]), "a");
  for (size_t i = 0; i < answers.size(); ++i) {
    const Answer answer = wait_for(answers[i]);
    ASSERT_FALSE(answer.error);
    ASSERT_EQ(answer.outcomes.size(), images[i].size());
    for (size_t k = 0; k < images[i].size(); ++k) EXPECT_EQ(echo(answer.outcomes[k]), images[i][k]);
    EXPECT_TRUE(answer.times.ran);
  }
  // Whole jobs per batch, in queue order, never over 3 images: a | b c d | e f g.
  EXPECT_EQ(fake.batches(), (std::vector<std::vector<std::string>>{{"a"}, {"b", "c", "d"}, {"e", "f", "g"}}));
}

TEST(ModelRunner, AFailingImageFailsAloneAndAFailingBatchFailsItsJobs) {
  FakeProcessors fake;
  ModelRunner runner({}, settings(1), fake.factory());
  runner.scale(1);
  std::promise<Answer> mixed, crash, after;
  runner.submit(job_of({"x", "bad", "y"}, mixed));
  runner.submit(job_of({"crash"}, crash));
  runner.submit(job_of({"z"}, after));
  const Answer m = wait_for(mixed);
  ASSERT_EQ(m.outcomes.size(), 3u);
  EXPECT_EQ(echo(m.outcomes[0]), "x");
  ASSERT_TRUE(m.outcomes[1].error);
  EXPECT_EQ(m.outcomes[1].error->kind(), ErrorKind::bad_input);
  EXPECT_EQ(echo(m.outcomes[2]), "y");
  const Answer c = wait_for(crash);
  ASSERT_TRUE(c.error);
  EXPECT_EQ(std::string(c.error->what()), "the network failed");
  EXPECT_EQ(echo(wait_for(after).outcomes[0]), "z");  // the worker lives on
  EXPECT_EQ(runner.stats().failed_items, 2u);
}

TEST(ModelRunner, AFullQueueAndNoWorkersAreRefusedAtOnce) {
  FakeProcessors fake;
  ModelRunner runner({}, settings(1, 2), fake.factory());
  std::promise<Answer> unserved;
  EXPECT_EQ(runner.submit(job_of({"a"}, unserved)), ModelRunner::Submit::no_worker);

  runner.scale(1);
  fake.hold();
  std::vector<std::promise<Answer>> answers(4);
  ASSERT_EQ(runner.submit(job_of({"a"}, answers[0])), ModelRunner::Submit::accepted);
  ASSERT_TRUE(fake.wait_started(1));
  EXPECT_EQ(runner.submit(job_of({"b"}, answers[1])), ModelRunner::Submit::accepted);
  EXPECT_EQ(runner.submit(job_of({"c"}, answers[2])), ModelRunner::Submit::accepted);
  EXPECT_EQ(runner.submit(job_of({"d"}, answers[3])), ModelRunner::Submit::queue_full);
  fake.release();
  for (size_t i = 0; i < 3; ++i) EXPECT_FALSE(wait_for(answers[i]).error);
}

TEST(ModelRunner, ScalingToZeroAnswersQueuedJobsAndDrainRunsThem) {
  FakeProcessors fake;
  ModelRunner runner({}, settings(1), fake.factory());
  runner.scale(2);
  EXPECT_EQ(runner.worker_count(), 2u);
  fake.hold();
  std::promise<Answer> running_a, running_b, queued;
  runner.submit(job_of({"a"}, running_a));
  runner.submit(job_of({"b"}, running_b));
  ASSERT_TRUE(fake.wait_started(2));  // both workers busy
  runner.submit(job_of({"c"}, queued));
  std::thread scaling([&] { runner.scale(0); });  // stops the workers once their batches end
  // scale() takes the workers off the list first, then waits for them: only then let them finish,
  // or a freed worker could take the queued job before it is told to stop.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (runner.worker_count() != 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  ASSERT_EQ(runner.worker_count(), 0u);
  fake.release();
  scaling.join();
  EXPECT_FALSE(wait_for(running_a).error);  // batches being run finish
  EXPECT_FALSE(wait_for(running_b).error);
  const Answer dropped = wait_for(queued);  // the queued job is answered, unrun
  ASSERT_TRUE(dropped.error);
  EXPECT_EQ(dropped.error->kind(), ErrorKind::overloaded);
  EXPECT_FALSE(dropped.times.ran);
  EXPECT_EQ(fake.batches().size(), 2u);
  EXPECT_EQ(runner.worker_count(), 0u);

  ModelRunner draining({}, settings(1), fake.factory());
  draining.scale(1);
  std::vector<std::promise<Answer>> answers(3);
  for (size_t i = 0; i < answers.size(); ++i) draining.submit(job_of({std::to_string(i)}, answers[i]));
  draining.drain();
  for (size_t i = 0; i < answers.size(); ++i) EXPECT_EQ(echo(wait_for(answers[i]).outcomes[0]), std::to_string(i));
  std::promise<Answer> late;
  EXPECT_EQ(draining.submit(job_of({"late"}, late)), ModelRunner::Submit::closed);
}

TEST(ModelRunner, AJobThatOutwaitsTheResponseTimeoutIsAnsweredUnrun) {
  FakeProcessors fake;
  RunnerSettings s = settings(1);
  s.response_timeout = 1s;
  ModelRunner runner({}, s, fake.factory());
  runner.scale(1);
  fake.hold();
  std::promise<Answer> busy, waiting;
  runner.submit(job_of({"a"}, busy));
  ASSERT_TRUE(fake.wait_started(1));
  runner.submit(job_of({"b"}, waiting));
  const Answer late = wait_for(waiting);  // answered by the sweeper while the worker is held
  ASSERT_TRUE(late.error);
  EXPECT_EQ(late.error->kind(), ErrorKind::overloaded);
  EXPECT_NE(std::string(late.error->what()).find("response_timeout"), std::string::npos);
  fake.release();
  EXPECT_FALSE(wait_for(busy).error);
  EXPECT_EQ(runner.stats().timed_out, 1u);
  EXPECT_EQ(fake.batches(), (std::vector<std::vector<std::string>>{{"a"}}));  // "b" never ran
}

TEST(ModelRunner, AJobWhoseClientLeftIsDroppedUnrun) {
  FakeProcessors fake;
  ModelRunner runner({}, settings(1), fake.factory());
  runner.scale(1);
  fake.hold();
  std::promise<Answer> busy, gone;
  runner.submit(job_of({"a"}, busy));
  ASSERT_TRUE(fake.wait_started(1));
  Job abandoned = job_of({"b"}, gone);
  abandoned.abandoned = [] { return true; };
  runner.submit(std::move(abandoned));
  fake.release();
  const Answer answer = wait_for(gone);
  ASSERT_TRUE(answer.error);
  EXPECT_NE(std::string(answer.error->what()).find("closed the connection"), std::string::npos);
  EXPECT_FALSE(wait_for(busy).error);
  EXPECT_EQ(runner.stats().abandoned, 1u);
  EXPECT_EQ(fake.batches().size(), 1u);
}

TEST(ModelRunner, AWorkerThatCannotLoadIsReportedAndForgotten) {
  ModelRunner runner({}, settings(1), []() -> std::unique_ptr<BatchProcessor> {
    throw Error(ErrorKind::bad_input, "model.onnx: not a loadable ONNX model");
  });
  try {
    runner.scale(2);
    FAIL() << "scale() should throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not a loadable"), std::string::npos);
  }
  EXPECT_EQ(runner.worker_count(), 0u);
}

std::shared_ptr<ServedModel> model(const std::string& name, const std::string& version) {
  auto served = std::make_shared<ServedModel>();
  served->name = name;
  served->version = version;
  return served;
}

TEST(ModelRegistry, VersionsDefaultsConflictsAndRemoval) {
  ModelRegistry registry;
  registry.add(model("dbnet", "1.0"));
  registry.add(model("dbnet", "2.0"));
  registry.add(model("crnn", "1.0"));
  EXPECT_EQ(registry.find("dbnet")->version, "1.0");  // the first version is the default
  EXPECT_EQ(registry.find("dbnet", "2.0")->version, "2.0");
  EXPECT_THROW(registry.add(model("dbnet", "2.0")), ConflictError);
  EXPECT_THROW(registry.find("ghost"), Error);
  EXPECT_THROW(registry.find("dbnet", "9.9"), VersionNotFoundError);

  registry.set_default("dbnet", "2.0");
  const auto versions = registry.versions("dbnet");
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_EQ(versions[0]->version, "2.0");  // the default first
  EXPECT_EQ(registry.defaults().size(), 2u);
  EXPECT_EQ(registry.all().size(), 3u);

  EXPECT_THROW(registry.remove("dbnet", ""), ConflictError);  // the default while another remains
  EXPECT_EQ(registry.remove("dbnet", "1.0")->version, "1.0");
  EXPECT_EQ(registry.remove("dbnet", "")->version, "2.0");
  EXPECT_THROW(registry.find("dbnet"), Error);
  EXPECT_EQ(registry.all().size(), 1u);
}

}  // namespace
}  // namespace ocrserve
