#pragma once
// TorchServe's model server: three HTTP(S) listeners (inference, management, metrics) over the
// serving core, TorchServe-compatible (../shared/specs/torchserve.md), with a graceful drain.
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "frontend/http/http_server.hpp"
#include "frontend/torchserve/token_auth.hpp"
#include "serve/serving_core.hpp"

namespace ocrserve {

struct BoundPorts {
  uint16_t inference = 0;
  uint16_t management = 0;
  uint16_t metrics = 0;
};

class Server {
 public:
  explicit Server(ServerConfig config);
  ~Server();

  // Loads the start-up models (each a LoadRequest); a model that fails to load is an error.
  void load(const std::vector<LoadRequest>& requests);
  // Binds the listeners and starts serving; returns the bound ports.
  BoundPorts start();
  // Stops accepting, waits for in-flight requests (up to `deadline`), drains every model.
  void drain(std::chrono::seconds deadline);

  // Shared by the API handlers.
  ServingCore& core() { return core_; }
  const ServerConfig& config() const { return core_.config(); }
  ModelRegistry& registry() { return core_.registry(); }
  Metrics& metrics() { return core_.metrics(); }
  const TokenAuth& tokens() const { return tokens_; }
  TokenAuth& tokens() { return tokens_; }
  bool draining() const { return core_.draining(); }
  TaskQueue& management_tasks() { return core_.management_tasks(); }
  RunnerSettings default_settings() const { return core_.default_settings(); }

 private:
  ServingCore core_;
  std::shared_ptr<const TlsContext> tls_;  // for the https:// listeners; null when there are none
  TokenAuth tokens_;
  std::unique_ptr<HttpServer> http_;
};

// The API handlers, one file each.
HttpHandler inference_api(Server& server);
HttpHandler management_api(Server& server);
HttpHandler metrics_api(Server& server);

// What the inference and management ports answer alike: the API description (OPTIONS / and
// GET /api-description), and the token check. Nothing when the request goes on to the API.
std::optional<HttpResponse> api_prelude(const Server& server, const HttpRequest& request,
                                        const std::vector<std::string>& parts, const std::string& which);

// Wraps a handler: counts Requests2XX/4XX/5XX and refuses requests while draining.
HttpHandler with_common_behaviour(Server& server, HttpHandler handler);

// The OpenAPI 3 description of one port's API ("inference", "management" or "metrics").
std::string api_description(const std::string& which);
// The description of one model's prediction entry point (OPTIONS /predictions/{model}).
std::string model_api_description(const std::string& model);

}  // namespace ocrserve
