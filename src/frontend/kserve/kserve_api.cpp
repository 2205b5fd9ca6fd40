#include "frontend/kserve/kserve_api.hpp"

#include <algorithm>
#include <charconv>
#include <memory>
#include <optional>

#include "frontend/kserve/v1_json.hpp"
#include "frontend/kserve/v2_json.hpp"
#include "frontend/kserve/v2_tensors.hpp"
#include "ocrserve/version.hpp"
#include "serve/inference.hpp"

namespace ocrserve::kserve {
namespace {

HttpResponse error_body(int status, const std::string& message) {
  return {status, Json{{"error", message}}.dump(), "application/json", {}};
}

HttpResponse json_body(int status, const Json& body) { return {status, body.dump(), "application/json", {}}; }

// A model version serves when it has a ready worker (and its minimum of them) and the server is
// not shutting down.
bool model_ready(const ServingCore& core, const ServedModel& model) {
  size_t ready = 0;
  for (const auto& worker : model.runner->workers()) ready += worker.status == "READY";
  return !core.draining() && ready > 0 && ready >= model.min_workers;
}

// The results of every image, or the first image's error for the whole call: KServe's
// responses have no place for a failure of one image among several.
std::vector<PipelineResult> results_of(std::vector<ItemOutcome>& outcomes) {
  std::vector<PipelineResult> results;
  for (size_t i = 0; i < outcomes.size(); ++i) {
    if (outcomes[i].error) {
      const Error& error = *outcomes[i].error;
      throw Error(error.kind(), outcomes.size() == 1 ? std::string(error.what())
                                                     : "image " + std::to_string(i) + ": " + error.what());
    }
    results.push_back(std::move(outcomes[i].result));
  }
  return results;
}

void check_size(const HttpResponse& response, size_t max_response) {
  if (response.body.size() > max_response) {
    throw Error(ErrorKind::internal, "response of " + std::to_string(response.body.size()) +
                                         " bytes exceeds max_response_size");
  }
}

std::optional<size_t> json_length(const HttpRequest& request) {
  const std::string value = request.header("inference-header-content-length");
  if (value.empty()) return std::nullopt;
  size_t length = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), length);
  if (error != std::errc() || end != value.data() + value.size()) {
    throw Error(ErrorKind::bad_input, "Inference-Header-Content-Length: expected a byte count, got \"" + value + "\"");
  }
  return length;
}

// ---- v1 ----

HttpResponse v1_models(const ServingCore& core) {
  Json names = Json::array();
  for (const auto& model : core.registry().defaults()) names.push_back(model->name);
  return json_body(200, {{"models", names}});
}

HttpResponse v1_model_ready(const ServingCore& core, const std::string& name) {
  const auto model = core.registry().find(name);
  const bool ready = model_ready(core, *model);
  Json body = {{"name", name}, {"ready", ready}};
  if (!ready) body["error"] = "Model " + name + " is not ready";
  return json_body(ready ? 200 : 503, body);
}

// ocrserve's results carry their own evidence (polygons, detection and text scores): there is no
// explainer to run (v1's :explain, and the /explain that TorchServe adds to v2).
HttpResponse no_explainer(const ServingCore& core, const std::string& name, const std::string& version,
                          const std::string& predict_path) {
  core.registry().find(name, version);
  return error_body(501, "Model " + name + " has no explainer: ocrserve's predictions carry their polygons and "
                         "scores; use " + predict_path);
}

void serve_v1(ServingCore& core, HttpRequest&& request, const std::vector<std::string>& parts, const Respond& respond) {
  if (parts.size() < 2 || parts[1] != "models" || parts.size() > 3) {
    return respond(error_body(404, "no such KServe v1 endpoint: " + request.path));
  }
  const bool get = request.method == "GET";
  if (parts.size() == 2) return respond(get ? v1_models(core) : error_body(405, "use GET for " + request.path));
  const std::string& target = parts[2];
  const size_t colon = target.rfind(':');
  const std::string verb = colon == std::string::npos ? "" : target.substr(colon + 1);
  if (verb == "predict" || verb == "explain") {
    const std::string name = target.substr(0, colon);
    if (request.method != "POST") return respond(error_body(405, "use POST for " + request.path));
    if (verb == "explain") return respond(no_explainer(core, name, "", "/v1/models/" + name + ":predict"));
    return v1_predict(core, std::move(request), name, "", kserve_error, respond);
  }
  if (!get) return respond(error_body(405, "use GET for " + request.path));
  respond(v1_model_ready(core, target));
}

// ---- v2 ----

HttpResponse v2_server_metadata() {
  return json_body(200, {{"name", "ocrserve"}, {"version", OCRSERVE_VERSION_STRING},
                         {"extensions", Json::array({"binary_tensor_data"})}});
}

HttpResponse v2_server_ready(const ServingCore& core) {
  const bool ready = core.healthy() && !core.draining();
  return json_body(ready ? 200 : 503, {{"ready", ready}});
}

HttpResponse v2_model_metadata(const ServingCore& core, const std::string& name, const std::string& version) {
  const auto model = core.registry().find(name, version);
  Json versions = Json::array();
  if (version.empty()) {
    for (const auto& each : core.registry().versions(name)) versions.push_back(each->version);
  } else {
    versions.push_back(model->version);
  }
  const PipelineKind kind = model->runner->spec().kind;
  return json_body(200, {{"name", name},
                         {"versions", versions},
                         {"platform", std::string("ocrserve_") + to_string(kind)},
                         {"inputs", metadata_json(input_metadata())},
                         {"outputs", metadata_json(output_metadata(kind))}});
}

HttpResponse v2_model_ready(const ServingCore& core, const std::string& name, const std::string& version) {
  const auto model = core.registry().find(name, version);
  const bool ready = model_ready(core, *model);
  Json body = {{"name", name}, {"ready", ready}};
  if (!ready) body["error"] = "Model " + name + " version " + model->version + " is not ready";
  return json_body(ready ? 200 : 503, body);
}

void serve_v2(ServingCore& core, HttpRequest&& request, const std::vector<std::string>& parts, const Respond& respond) {
  const bool get = request.method == "GET";
  const auto only_get = [&](HttpResponse answer) {
    respond(get ? std::move(answer) : error_body(405, "use GET for " + request.path));
  };
  if (parts.size() == 1) return only_get(v2_server_metadata());
  if (parts.size() == 3 && parts[1] == "health") {
    if (parts[2] == "live") return only_get(json_body(200, {{"live", true}}));
    if (parts[2] == "ready") return only_get(v2_server_ready(core));
  }
  if (parts.size() >= 3 && parts[1] == "models") {
    // /v2/models/N[/versions/V][/ready|/infer]
    const std::string& name = parts[2];
    size_t next = 3;
    std::string version;
    if (parts.size() >= 5 && parts[3] == "versions") {
      version = parts[4];
      next = 5;
    }
    if (parts.size() == next) return only_get(v2_model_metadata(core, name, version));
    if (parts.size() == next + 1 && parts[next] == "ready") return only_get(v2_model_ready(core, name, version));
    if (parts.size() == next + 1 && parts[next] == "infer") {
      if (request.method != "POST") return respond(error_body(405, "use POST for " + request.path));
      return v2_infer(core, std::move(request), name, version, kserve_error, respond);
    }
    if (parts.size() == next + 1 && parts[next] == "explain") {
      if (request.method != "POST") return respond(error_body(405, "use POST for " + request.path));
      return respond(no_explainer(core, name, version, "/v2/models/" + name + "/infer"));
    }
  }
  respond(error_body(404, "no such KServe v2 endpoint: " + request.path));
}

}  // namespace

HttpResponse kserve_error(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const TooLargeError& e) {
    return error_body(413, e.what());
  } catch (const Error& e) {
    return error_body(http_status(e.kind()), e.what());
  } catch (const std::exception& e) {
    return error_body(500, e.what());
  }
}

void serve_kserve(ServingCore& core, HttpRequest&& request, const std::vector<std::string>& parts,
                  const Respond& respond) {
  try {
    if (parts[0] == "v1") return serve_v1(core, std::move(request), parts, respond);
    return serve_v2(core, std::move(request), parts, respond);
  } catch (...) {
    respond(kserve_error(std::current_exception()));
  }
}

void v1_predict(ServingCore& core, HttpRequest&& request, const std::string& model, const std::string& version,
                const ErrorWording& errors, const Respond& respond) {
  InferenceCall call{model, version, {}, request.client_gone};
  try {
    core.registry().find(model, version);
    call.images = v1_instances(request.body);
  } catch (...) {
    return respond(errors(std::current_exception()));
  }
  const size_t max_response = core.config().max_response_size;
  run_inference(core, std::move(call), [errors, respond, max_response](InferenceAnswer answer) {
    try {
      if (answer.error) std::rethrow_exception(answer.error);
      HttpResponse response = json_body(200, v1_predictions(results_of(answer.outcomes)));
      check_size(response, max_response);
      respond(std::move(response));
    } catch (...) {
      respond(errors(std::current_exception()));
    }
  });
}

void v2_infer(ServingCore& core, HttpRequest&& request, const std::string& model, const std::string& version,
              const ErrorWording& errors, const Respond& respond) {
  InferenceCall call{model, version, {}, request.client_gone};
  auto parsed = std::make_shared<InferRequest>();
  PipelineKind kind{};
  std::string served_version;
  try {
    const auto served = core.registry().find(model, version);
    kind = served->runner->spec().kind;
    served_version = served->version;
    *parsed = parse_infer_request(request.body, json_length(request));
    call.images = input_images(parsed->inputs);
    parsed->inputs.clear();
    // An output the model has not is refused before its images are run.
    std::vector<std::string> names;
    for (const RequestedOutput& output : parsed->outputs) names.push_back(output.name);
    output_tensors(kind, {}, names);
  } catch (...) {
    return respond(errors(std::current_exception()));
  }
  const size_t max_response = core.config().max_response_size;
  run_inference(core, std::move(call), [=](InferenceAnswer answer) {
    try {
      if (answer.error) std::rethrow_exception(answer.error);
      std::vector<std::string> names;
      std::vector<bool> binary;
      for (const RequestedOutput& output : parsed->outputs) {
        names.push_back(output.name);
        binary.push_back(output.binary);
      }
      const std::vector<Tensor> outputs = output_tensors(kind, results_of(answer.outcomes), names);
      if (names.empty()) binary.assign(outputs.size(), parsed->binary_outputs);
      EncodedResponse encoded = encode_infer_response(model, served_version, parsed->id, outputs, binary);
      HttpResponse response{200, std::move(encoded.body), "application/json", {}};
      if (encoded.json_length) {
        response.content_type = "application/octet-stream";
        response.headers.emplace_back("Inference-Header-Content-Length", std::to_string(*encoded.json_length));
      }
      check_size(response, max_response);
      respond(std::move(response));
    } catch (...) {
      respond(errors(std::current_exception()));
    }
  });
}

}  // namespace ocrserve::kserve
