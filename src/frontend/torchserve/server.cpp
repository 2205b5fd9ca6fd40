#include "frontend/torchserve/server.hpp"

#include <thread>

#include <spdlog/spdlog.h>

#include "frontend/http/tls_context.hpp"
#include "frontend/torchserve/api_error.hpp"

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

Server::Server(ServerConfig config) : core_(std::move(config)), tls_(load_tls(core_.config())) {
  if (!core_.config().disable_token_authorization) {
    const auto key_file = std::filesystem::current_path() / "key_file.json";
    tokens_.enable(key_file, core_.config().token_expiration);
    spdlog::warn("token authorization is on: keys are in {}", key_file.string());
  }
}

Server::~Server() {
  if (http_) http_->stop();
}

void Server::load(const std::vector<LoadRequest>& requests) { core_.load(requests); }

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
    if (server.draining()) return counted(error_response(503, "ServiceUnavailableException", "ocrserve is shutting down"));
    handler(std::move(request), counted);
  };
}

BoundPorts Server::start() {
  const ServerConfig& config = core_.config();
  const size_t threads = config.netty_threads ? config.netty_threads : std::max(1u, std::thread::hardware_concurrency());
  http_ = std::make_unique<HttpServer>(threads);
  HttpLimits limits;
  limits.max_request_size = config.max_request_size;
  limits.max_upload_memory = config.limits.max_upload_memory;
  limits.idle_timeout = config.idle_timeout;
  const auto tls_for = [this](const Address& address) { return address.tls ? tls_ : nullptr; };
  BoundPorts ports;
  ports.inference = http_->listen(config.inference.host, config.inference.port,
                                  with_common_behaviour(*this, inference_api(*this)), limits, transport_error,
                                  tls_for(config.inference));
  ports.management = http_->listen(config.management.host, config.management.port,
                                   with_common_behaviour(*this, management_api(*this)), limits, transport_error,
                                   tls_for(config.management));
  if (config.enable_metrics_api) {
    ports.metrics = http_->listen(config.metrics.host, config.metrics.port, metrics_api(*this), limits, transport_error,
                                  tls_for(config.metrics));
  }
  http_->start();
  return ports;
}

void Server::drain(std::chrono::seconds deadline) {
  core_.start_draining();
  if (http_) http_->stop_accepting();
  const auto wait_for_answers = [this](Clock::time_point until) {
    while (http_ && http_->in_flight() > 0 && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  };
  // Requests already handed to a model finish if they can before the deadline; new ones on
  // open connections get 503.
  wait_for_answers(Clock::now() + deadline);
  // Past it, what still waits in a queue is answered 503 unrun; batches being run complete.
  core_.stop_models();
  // Answers computed by now are written before the connections close.
  wait_for_answers(Clock::now() + std::chrono::seconds(2));
  if (http_) http_->stop();
}

}  // namespace ocrserve
