// The management API (:8081): list, describe, register, scale, unregister, set-default.
#include <chrono>
#include <ctime>
#include <functional>

#include <spdlog/spdlog.h>

#include "frontend/torchserve/api_error.hpp"
#include "frontend/torchserve/server.hpp"
#include "serve/archive_fetch.hpp"

namespace ocrserve {
namespace {

HttpResponse method_not_allowed() {
  return error_response(405, "MethodNotAllowedException", "Requested method is not allowed, please refer to API document.");
}

// TorchServe's runtime types; ocrserve runs every archive natively whatever it names.
bool known_runtime(std::string runtime) {
  for (auto& c : runtime) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return runtime == "python" || runtime == "python2" || runtime == "python3" || runtime == "lsp";
}

HttpResponse status_response(int status, const std::string& message) { return json_response(status, {{"status", message}}); }

// A parameter as text, from the JSON body (a string, or a value written out) or else the query
// string; nullopt when neither has it.
std::optional<std::string> raw_param(const HttpRequest& request, const Json& body, const std::string& name) {
  if (body.contains(name)) return body[name].is_string() ? body[name].get<std::string>() : body[name].dump();
  if (request.query.count(name)) return request.query_value(name);
  return std::nullopt;
}

// An integer parameter read as TorchServe reads them: absent, empty or not a number gives
// `fallback` (no error); negative values are returned for the caller to judge.
long int_param(const HttpRequest& request, const Json& body, const std::string& name, long fallback) {
  const std::optional<std::string> raw = raw_param(request, body, name);
  if (!raw) return fallback;
  try {
    size_t used = 0;
    const long value = std::stol(*raw, &used);
    if (used == raw->size()) return value;
  } catch (const std::exception&) {
  }
  return fallback;
}

std::string string_param(const HttpRequest& request, const Json& body, const std::string& name) {
  if (body.contains(name) && body[name].is_string()) return body[name].get<std::string>();
  return request.query_value(name);
}

// Java's Boolean.parseBoolean, as TorchServe reads `synchronous`: "true" in any case is true,
// anything else false; absent gives `absent`.
bool bool_param(const HttpRequest& request, const Json& body, const std::string& name, bool absent) {
  std::optional<std::string> text = raw_param(request, body, name);
  if (!text) return absent;
  for (auto& c : *text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return *text == "true";
}

// What a management call answers, and what it still does on the management thread once the
// answer is sent: starting workers after a 202 (asynchronous registration and scaling).
struct ManagementReply {
  HttpResponse response;
  std::function<void()> then;

  ManagementReply(HttpResponse answer) : response(std::move(answer)) {}  // NOLINT: most calls only answer
  ManagementReply(HttpResponse answer, std::function<void()> after) : response(std::move(answer)), then(std::move(after)) {}
};

// TorchServe's answer when workers start after the reply.
HttpResponse processing_worker_updates() { return status_response(202, "Processing worker updates..."); }

// Starts `count` workers of a registered model, after the reply: failures can only be logged.
std::function<void()> start_workers_later(std::shared_ptr<ServedModel> model, size_t count) {
  return [model = std::move(model), count] {
    try {
      model->runner->scale(count);
      spdlog::info("scaled model {} version {} to {} worker(s)", model->name, model->version, count);
    } catch (const std::exception& e) {
      spdlog::error("model {} version {}: starting {} worker(s) failed: {}", model->name, model->version, count, e.what());
    }
  };
}

std::string iso_time(std::chrono::system_clock::time_point time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count() % 1000;
  char full[40];
  std::snprintf(full, sizeof full, "%s.%03lldZ", text, static_cast<long long>(millis));
  return full;
}

Json describe(const ServedModel& model) {
  const RunnerSettings& settings = model.runner->settings();
  Json workers = Json::array();
  for (const auto& worker : model.runner->workers()) {
    workers.push_back({{"id", std::to_string(worker.id)},
                       {"startTime", iso_time(worker.start_time)},
                       {"status", worker.status},
                       {"memoryUsage", 0},
                       {"pid", static_cast<long>(getpid())},
                       {"gpu", false},
                       {"gpuUsage", "N/A"}});
  }
  const size_t queued = model.runner->queued();
  return {{"modelName", model.name},
          {"modelVersion", model.version},
          {"modelUrl", model.url},
          {"runtime", "ocrserve"},
          {"minWorkers", model.min_workers},
          {"maxWorkers", model.max_workers},
          {"batchSize", settings.batch_size},
          {"maxBatchDelay", settings.max_batch_delay.count()},
          {"responseTimeout", settings.response_timeout.count()},
          {"startupTimeout", 120},
          {"maxRetryTimeoutInSec", 300},
          {"clientTimeoutInMills", 0},
          // TorchServe's large-model, sequence and Python-environment settings, none of which
          // apply to a native server: their "off" values, so that clients reading them find them.
          {"parallelType", ""},
          {"parallelLevel", 0},
          {"deviceType", "cpu"},
          {"continuousBatching", false},
          {"useJobTicket", false},
          {"useVenv", false},
          {"stateful", false},
          {"sequenceMaxIdleMSec", 0},
          {"sequenceTimeoutMSec", 0},
          {"maxNumSequence", 0},
          {"maxSequenceJobQueueSize", 0},
          {"loadedAtStartup", model.loaded_at_startup},
          {"handler", std::string("ocrserve:") + to_string(model.runner->spec().kind)},
          {"workers", workers},
          {"jobQueueStatus", {{"remainingCapacity", settings.queue_capacity - std::min(queued, settings.queue_capacity)},
                              {"pendingRequests", queued}}}};
}

HttpResponse list_models(Server& server, const HttpRequest& request) {
  long limit = int_param(request, Json::object(), "limit", 100);
  const long offset = std::max(0L, int_param(request, Json::object(), "next_page_token", 0));
  if (limit > 100 || limit <= 0) limit = 100;
  const auto models = server.registry().defaults();
  Json list = Json::array();
  for (size_t i = offset; i < models.size() && list.size() < static_cast<size_t>(limit); ++i) {
    list.push_back({{"modelName", models[i]->name}, {"modelUrl", models[i]->url}});
  }
  Json body = Json::object();
  if (static_cast<size_t>(offset + limit) < models.size()) body["nextPageToken"] = std::to_string(offset + limit);
  body["models"] = list;
  return json_response(200, body);
}

// synchronous (TorchServe's default: true) waits for the workers; false registers the model with
// none, answers 202, then starts them.
ManagementReply register_model(Server& server, const HttpRequest& request) {
  if (!server.config().enable_model_api) {
    spdlog::warn("registration refused: the model API is off (enable_model_api=true or --enable-model-api turns it on)");
    return method_not_allowed();
  }
  Json body = Json::object();
  if (request.header("content-type").rfind("application/json", 0) == 0 && !request.body.empty()) {
    try {
      body = parse_json(request.body, "request body");
    } catch (const Error& e) {
      return error_response(400, "BadRequestException", e.what());
    }
  }
  // Absent is an error; empty goes on to be "not found", as in TorchServe.
  if (!raw_param(request, body, "url")) return error_response(400, "BadRequestException", "Parameter url is required.");
  const std::string url = string_param(request, body, "url");
  const std::string runtime = string_param(request, body, "runtime");
  if (!runtime.empty() && !known_runtime(runtime)) {
    return error_response(400, "BadRequestException", "Invalid RuntimeType value: " + runtime);
  }
  LoadRequest load;
  load.url = url;
  load.name = string_param(request, body, "model_name");
  load.settings = server.default_settings();
  // TorchServe's leniency: what is not a number takes the default; values below what makes
  // sense are raised to it.
  const long default_timeout = server.config().default_response_timeout.count();
  load.settings.batch_size = static_cast<size_t>(std::max(1L, int_param(request, body, "batch_size", 1)));
  load.settings.max_batch_delay = std::chrono::milliseconds(std::max(0L, int_param(request, body, "max_batch_delay", 100)));
  const long timeout = int_param(request, body, "response_timeout", default_timeout);
  load.settings.response_timeout = std::chrono::seconds(timeout < 0 ? default_timeout : timeout);
  const long default_workers = static_cast<long>(server.config().default_workers_per_model.value_or(0));
  load.workers = static_cast<size_t>(std::max(0L, int_param(request, body, "initial_workers", default_workers)));
  const bool synchronous = bool_param(request, body, "synchronous", true);
  const size_t initial_workers = load.workers;
  if (!synchronous) load.workers = 0;  // started after the 202
  try {
    const auto start = std::chrono::steady_clock::now();
    auto model = load_model(load, server.config());
    const std::string name = model->name, version = model->version;
    const size_t workers = model->runner->worker_count();
    if (!synchronous && initial_workers > 0) model->min_workers = model->max_workers = initial_workers;
    server.registry().add(model);
    if (!synchronous && initial_workers > 0) {
      spdlog::info("registered model {} version {} from {}; starting {} worker(s)", name, version, url, initial_workers);
      return {processing_worker_updates(), start_workers_later(std::move(model), initial_workers)};
    }
    spdlog::info("registered model {} version {} from {} with {} worker(s) in {} ms", name, version, url, workers,
                 std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count());
    if (workers == 0) {
      return status_response(200, "Model \"" + name + "\" Version: " + version +
                                      " registered with 0 initial workers. Use scale workers API to add workers for the model.");
    }
    return status_response(200, "Model \"" + name + "\" Version: " + version + " registered with " +
                                    std::to_string(workers) + " initial workers");
  } catch (const ConflictError& e) {
    return error_response(409, "ConflictStatusException", e.what());
  } catch (const DownloadError& e) {
    return error_response(400, "DownloadArchiveException", e.what());
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::not_found) return error_response(404, "ModelNotFoundException", e.what());
    if (e.kind() == ErrorKind::internal) return error_response(500, "InternalServerException", e.what());
    return error_response(400, "BadRequestException", e.what());
  }
}

// synchronous (TorchServe's default: false) waits for the workers; otherwise 202 first.
ManagementReply scale_model(Server& server, const HttpRequest& request, const std::string& name, const std::string& version) {
  std::shared_ptr<ServedModel> model;
  try {
    model = server.registry().find(name, version.empty() ? request.query_value("model_version") : version);
  } catch (const Error& e) {
    return model_not_found(e);
  }
  const long min_param = int_param(request, Json::object(), "min_worker", 1);
  const long max_param = int_param(request, Json::object(), "max_worker", min_param);
  if (max_param < min_param) return error_response(400, "BadRequestException", "max_worker cannot be less than min_worker.");
  if (min_param < 0) return error_response(400, "BadRequestException", "min_worker cannot be negative.");
  const size_t min_workers = static_cast<size_t>(min_param), max_workers = static_cast<size_t>(max_param);
  const size_t limit = server.config().limits.workers_per_model();
  if (min_workers > limit) {
    return error_response(400, "BadRequestException", "min_worker cannot exceed " + std::to_string(limit) +
                                                          " (ocrserve_max_workers_per_model).");
  }
  if (!bool_param(request, Json::object(), "synchronous", false)) {
    model->min_workers = min_workers;
    model->max_workers = max_workers;
    return {processing_worker_updates(), start_workers_later(std::move(model), min_workers)};
  }
  try {
    model->runner->scale(min_workers);
  } catch (const Error& e) {
    return error_response(500, "InternalServerException", "Failed to start workers for model " + name + ": " + e.what());
  }
  model->min_workers = min_workers;
  model->max_workers = max_workers;
  spdlog::info("scaled model {} version {} to {} worker(s)", model->name, model->version, min_workers);
  std::string message = "Workers scaled to " + std::to_string(min_workers) + " for model: " + name;
  if (!version.empty()) message += ", version: " + version;
  return status_response(200, message);
}

HttpResponse unregister_model(Server& server, const std::string& name, const std::string& version) {
  if (!server.config().enable_model_api) {
    spdlog::warn("unregistration refused: the model API is off (enable_model_api=true or --enable-model-api turns it on)");
    return method_not_allowed();
  }
  std::shared_ptr<ServedModel> model;
  try {
    model = server.registry().remove(name, version);
  } catch (const ConflictError& e) {
    return error_response(403, "InvalidModelVersionException", e.what());
  } catch (const Error& e) {
    return model_not_found(e);
  }
  model->runner->drain();  // queued requests are answered before the model goes
  if (!model->fetched_archive.empty()) {  // TorchServe deletes an archive it downloaded
    std::error_code ignored;
    std::filesystem::remove(model->fetched_archive, ignored);
  }
  spdlog::info("unregistered model {} version {}", model->name, model->version);
  return status_response(200, "Model \"" + name + "\" unregistered");
}

// GET /token?type=management|inference with the API key (which never expires) issues a new
// key of that type, so an expired one is replaced without a restart.
HttpResponse rotate_key(Server& server, const HttpRequest& request) {
  const std::string type = request.query_value("type");
  if (request.method != "GET") {
    return error_response(405, "MethodNotAllowedException", "Requested method is not allowed, please refer to API document.");
  }
  if (type != "management" && type != "inference") {
    return error_response(400, "BadRequestException", "Parameter type must be management or inference.");
  }
  if (!server.tokens().rotate(type, request.header("authorization"))) {
    return error_response(400, "InvalidKeyException",
                          "Token Authorization failed. Token either incorrect, expired, or not provided correctly");
  }
  return json_response(200, server.tokens().describe());
}

}  // namespace

HttpHandler management_api(Server& server) {
  return [&server](HttpRequest&& request, Respond respond) {
    const auto parts = path_segments(request.path);
    const std::string& method = request.method;
    if (parts.size() == 1 && parts[0] == "token" && server.tokens().enabled()) return respond(rotate_key(server, request));
    if (auto answer = api_prelude(server, request, parts, "management")) return respond(std::move(*answer));
    if (parts[0] == "workflows") return respond(no_workflows());
    if (parts[0] != "models" || parts.size() > 4) {
      return respond(error_response(404, "ResourceNotFoundException", "Requested resource is not found, please refer to API document."));
    }
    // Loading, scaling and unloading take seconds: they run on the management thread.
    const auto off_io_thread = [&](auto work) {
      server.management_tasks().post([work, request = std::make_shared<HttpRequest>(std::move(request)), respond] {
        std::function<void()> then;
        try {
          ManagementReply reply = work(*request);
          then = std::move(reply.then);
          respond(std::move(reply.response));
        } catch (const std::exception& e) {  // every request gets an answer, whatever fails
          respond(error_response(500, "InternalServerException", e.what()));
        }
        // Still on the management thread: a later management call waits for it, as it waits
        // for a synchronous one.
        if (then) then();
      });
    };
    if (parts.size() == 1) {
      if (method == "GET") return respond(list_models(server, request));
      if (method == "POST") return off_io_thread([&server](const HttpRequest& r) { return register_model(server, r); });
    } else {
      const std::string& name = parts[1];
      const std::string version = parts.size() >= 3 ? parts[2] : "";
      if (parts.size() == 4 && parts[3] == "set-default" && method == "PUT") {
        try {
          server.registry().set_default(name, version);
        } catch (const Error& e) {
          return respond(model_not_found(e));
        }
        return respond(status_response(200, "Default version successfully updated for model \"" + name + "\" to \"" + version + "\""));
      }
      if (parts.size() <= 3 && method == "GET") {
        try {
          Json body = Json::array();
          if (version == "all") {
            for (const auto& model : server.registry().versions(name)) body.push_back(describe(*model));
          } else {
            body.push_back(describe(*server.registry().find(name, version)));
          }
          return respond(json_response(200, body));
        } catch (const Error& e) {
          return respond(model_not_found(e));
        }
      }
      if (parts.size() <= 3 && method == "PUT") {
        return off_io_thread([&server, name, version](const HttpRequest& r) { return scale_model(server, r, name, version); });
      }
      if (parts.size() <= 3 && method == "DELETE") {
        return off_io_thread(
            [&server, name, version](const HttpRequest&) { return ManagementReply(unregister_model(server, name, version)); });
      }
    }
    respond(error_response(405, "MethodNotAllowedException", "Requested method is not allowed, please refer to API document."));
  };
}

}  // namespace ocrserve
