#include "frontend/torchserve/server.hpp"

#include <future>
#include <thread>

#include <spdlog/spdlog.h>

#include "frontend/http/tls_context.hpp"
#include "frontend/torchserve/api_error.hpp"
#include "serve/pixel_budget.hpp"

namespace ocrserve {

namespace {

// The certificate and key of the https:// listeners, read before any model loads so that a
// wrong file stops start-up at once; null when every listener is plain HTTP.
std::shared_ptr<const TlsContext> load_tls(const ServerConfig& config) {
  if (!config.uses_tls()) {
    if (!config.private_key_file.empty() || !config.certificate_file.empty()) {
      spdlog::warn("config: private_key_file and certificate_file have no effect: no address is https://");
    }
    return nullptr;
  }
  if (config.private_key_file.empty() || config.certificate_file.empty()) {
    const std::string key = config.inference.tls ? "inference_address" : config.management.tls ? "management_address" : "metrics_address";
    throw Error(ErrorKind::bad_input, "config: " + key + " is https:// but private_key_file and certificate_file (PEM files) "
                                      "are not both set; see \"TLS\" in docs/serving.md");
  }
  return TlsContext::load(config.certificate_file, config.private_key_file);
}

}  // namespace

Server::Server(ServerConfig config) : config_(std::move(config)), tls_(load_tls(config_)) {
  remove_stale_extractions();
  PixelBudget::process().set_capacity(config_.limits.image.max_pixels);
  for (const auto& warning : config_.warnings) spdlog::warn("{}", warning);
  if (!config_.disable_token_authorization) {
    tokens_.enable(std::filesystem::current_path() / "key_file.json", config_.token_expiration);
    spdlog::warn("token authorization is on: keys are in {}", (std::filesystem::current_path() / "key_file.json").string());
  }
}

Server::~Server() {
  if (http_) http_->stop();
}

RunnerSettings Server::default_settings() const {
  RunnerSettings settings;
  settings.queue_capacity = config_.job_queue_size;
  settings.response_timeout = config_.default_response_timeout;
  return settings;
}

void Server::load(const std::vector<LoadRequest>& requests) {
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

std::optional<HttpResponse> api_prelude(const Server& server, const HttpRequest& request,
                                        const std::vector<std::string>& parts, const std::string& which) {
  if (parts.empty() || (parts.size() == 1 && parts[0] == "api-description")) {
    if (request.method == "OPTIONS" || (request.method == "GET" && !parts.empty())) {
      return HttpResponse{200, api_description(which), "application/json", {}};
    }
    return error_response(405, "MethodNotAllowedException", "Requested method is not allowed, please refer to API document.");
  }
  if (!server.tokens().check(which, request.header("authorization"))) {
    return error_response(400, "InvalidKeyException",
                          "Token Authorization failed. Token either incorrect, expired, or not provided correctly");
  }
  return std::nullopt;
}

HttpHandler with_common_behaviour(Server& server, HttpHandler handler) {
  return [&server, handler = std::move(handler)](HttpRequest&& request, Respond respond) {
    Respond counted = [&server, respond](HttpResponse response) {
      const char* counter = response.status < 300 ? "Requests2XX" : response.status < 500 ? "Requests4XX" : "Requests5XX";
      server.metrics().add(counter, server.metrics().host_labels(), 1);
      respond(std::move(response));
    };
    if (server.draining()) {
      HttpResponse response = error_response(503, "ServiceUnavailableException", "ocrserve is shutting down");
      response.headers.emplace_back("Retry-After", "1");
      return counted(std::move(response));
    }
    handler(std::move(request), counted);
  };
}

BoundPorts Server::start() {
  const size_t threads = config_.netty_threads ? config_.netty_threads : std::max(1u, std::thread::hardware_concurrency());
  http_ = std::make_unique<HttpServer>(threads);
  HttpLimits limits;
  limits.max_request_size = config_.max_request_size;
  limits.max_upload_memory = config_.limits.max_upload_memory;
  limits.idle_timeout = config_.idle_timeout;
  const auto tls_for = [this](const Address& address) { return address.tls ? tls_ : nullptr; };
  BoundPorts ports;
  ports.inference = http_->listen(config_.inference.host, config_.inference.port,
                                  with_common_behaviour(*this, inference_api(*this)), limits, transport_error,
                                  tls_for(config_.inference));
  ports.management = http_->listen(config_.management.host, config_.management.port,
                                   with_common_behaviour(*this, management_api(*this)), limits, transport_error,
                                   tls_for(config_.management));
  if (config_.enable_metrics_api) {
    ports.metrics = http_->listen(config_.metrics.host, config_.metrics.port, metrics_api(*this), limits, transport_error,
                                  tls_for(config_.metrics));
  }
  http_->start();
  return ports;
}

void Server::drain(std::chrono::seconds deadline) {
  draining_ = true;
  if (http_) http_->stop_accepting();
  const auto wait_for_answers = [this](Clock::time_point until) {
    while (http_ && http_->in_flight() > 0 && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  };
  // Requests already handed to a model finish if they can before the deadline; new ones on
  // open connections get 503.
  wait_for_answers(Clock::now() + deadline);
  // Past it, what still waits in a queue is answered 503 unrun; batches being run complete.
  for (const auto& model : registry_.all()) {
    model->runner->fail_waiting(Error(ErrorKind::overloaded, "ocrserve is shutting down; not run"));
  }
  for (const auto& model : registry_.all()) model->runner->drain();
  // Answers computed by now are written before the connections close.
  wait_for_answers(Clock::now() + std::chrono::seconds(2));
  if (http_) http_->stop();
}

}  // namespace ocrserve
