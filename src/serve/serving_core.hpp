#pragma once
// What every frontend serves from: the configuration, the model registry, the metrics counters
// and the queue of management work. No protocol lives here; the TorchServe, KServe and gRPC
// frontends each translate theirs onto it.
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "serve/config.hpp"
#include "serve/metrics.hpp"
#include "serve/model_loader.hpp"
#include "serve/model_registry.hpp"
#include "serve/task_queue.hpp"

namespace ocrserve {

// One served model version's workers, for health checks.
struct ModelHealth {
  std::string name;
  std::string version;
  size_t workers = 0;
  size_t ready = 0;        // workers whose status is READY
  size_t min_workers = 0;  // healthy needs at least this many ready
};

class ServingCore {
 public:
  explicit ServingCore(ServerConfig config);

  // Loads the start-up models side by side; a model that fails to load is an error.
  void load(const std::vector<LoadRequest>& requests);

  const ServerConfig& config() const { return config_; }
  ModelRegistry& registry() { return registry_; }
  const ModelRegistry& registry() const { return registry_; }
  Metrics& metrics() { return metrics_; }
  TaskQueue& management_tasks() { return *management_tasks_; }
  // Queue capacity and response timeout from the configuration, for models registered later.
  RunnerSettings default_settings() const;

  std::vector<ModelHealth> health() const;
  // TorchServe's rule: every model has at least its minimum of ready workers.
  bool healthy() const;

  bool draining() const { return draining_; }
  void start_draining() { draining_ = true; }
  // Past the drain deadline: what waits in a queue is answered unrun, running batches complete.
  void stop_models();

 private:
  ServerConfig config_;
  ModelRegistry registry_;
  Metrics metrics_;
  std::atomic<bool> draining_{false};
  // Last, so that it is joined first: its tasks use the registry.
  std::unique_ptr<TaskQueue> management_tasks_ = std::make_unique<TaskQueue>();
};

}  // namespace ocrserve
