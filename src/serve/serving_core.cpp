#include "serve/serving_core.hpp"

#include <chrono>
#include <future>
#include <optional>

#include <spdlog/spdlog.h>

#include "serve/pixel_budget.hpp"

namespace ocrserve {

ServingCore::ServingCore(ServerConfig config) : config_(std::move(config)) {
  remove_stale_extractions();
  PixelBudget::process().set_capacity(config_.limits.image.max_pixels);
  for (const auto& warning : config_.warnings) spdlog::warn("{}", warning);
}

RunnerSettings ServingCore::default_settings() const {
  RunnerSettings settings;
  settings.queue_capacity = config_.job_queue_size;
  settings.response_timeout = config_.default_response_timeout;
  return settings;
}

void ServingCore::load(const std::vector<LoadRequest>& requests) {
  // Models load side by side: start-up time is the slowest model's, not the sum.
  std::vector<std::future<std::shared_ptr<ServedModel>>> loading;
  for (const auto& request : requests) {
    loading.push_back(std::async(std::launch::async, [this, &request] {
      const auto start = std::chrono::steady_clock::now();
      auto model = load_model(request, config_);
      spdlog::info("loaded model {} version {} from {} with {} worker(s) in {} ms", model->name, model->version,
                   request.url, model->runner->worker_count(),
                   std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count());
      return model;
    }));
  }
  std::optional<Error> failure;
  for (auto& future : loading) {
    try {
      auto model = future.get();
      const std::string name = model->name, version = model->version;
      registry_.add(std::move(model));
      // models={...} may make a later version the default; the first one loaded is otherwise.
      const ModelSettings* configured = config_.model_settings(name, version);
      if (configured && configured->default_version) registry_.set_default(name, version);
    } catch (const Error& e) {
      if (!failure) failure = e;
    }
  }
  if (failure) throw *failure;
}

std::vector<ModelHealth> ServingCore::health() const {
  std::vector<ModelHealth> models;
  for (const auto& model : registry_.all()) {
    ModelHealth health{model->name, model->version, model->runner->worker_count(), 0, model->min_workers};
    for (const auto& worker : model->runner->workers()) health.ready += worker.status == "READY";
    models.push_back(std::move(health));
  }
  return models;
}

bool ServingCore::healthy() const {
  for (const auto& model : health()) {
    if (model.ready < model.min_workers) return false;
  }
  return true;
}

void ServingCore::stop_models() {
  for (const auto& model : registry_.all()) {
    model->runner->fail_waiting(Error(ErrorKind::overloaded, "ocrserve is shutting down; not run"));
  }
  for (const auto& model : registry_.all()) model->runner->drain();
}

}  // namespace ocrserve
