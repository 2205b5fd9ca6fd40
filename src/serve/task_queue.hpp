#pragma once
// One background thread that runs tasks in the order they were posted. The management API
// posts model loads, scaling and unloads here: they take seconds, and on the I/O threads they
// would stall every other connection (/ping included) for as long.
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace ocrserve {

class TaskQueue {
 public:
  TaskQueue();
  ~TaskQueue();  // runs the tasks already posted, then joins
  TaskQueue(const TaskQueue&) = delete;
  TaskQueue& operator=(const TaskQueue&) = delete;

  void post(std::function<void()> task);

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace ocrserve
