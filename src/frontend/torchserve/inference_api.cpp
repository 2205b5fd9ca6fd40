// The inference API (:8080): /ping, /predictions/{model}[/{version}], the API description, and
// the web page (GET /, web_page.hpp). KServe's /v1 and /v2 share the port (frontend/kserve).
#include <chrono>

#include "frontend/http/multipart.hpp"
#include "frontend/kserve/kserve_api.hpp"
#include "frontend/torchserve/api_error.hpp"
#include "frontend/torchserve/prediction_answer.hpp"
#include "frontend/torchserve/server.hpp"
#include "frontend/torchserve/web_page.hpp"
#include "serve/inference.hpp"

namespace ocrserve {
namespace {

// The images of a request: the form parts holding files (data, file, …) or the raw body.
std::vector<std::string> request_images(HttpRequest& request) {
  std::vector<std::string> images;
  if (const auto boundary = multipart_boundary(request.header("content-type"))) {
    for (auto& part : parse_multipart(request.body, *boundary)) {
      static const char* const kFields[] = {"data", "file", "body", "image", "img"};
      const bool image_field = std::find(std::begin(kFields), std::end(kFields), part.name) != std::end(kFields);
      if ((image_field || !part.filename.empty()) && !part.body.empty()) images.push_back(maybe_base64(std::move(part.body)));
    }
    if (images.empty()) throw Error(ErrorKind::bad_input, "the form has no image part (send it as field \"data\" or \"file\")");
    return images;
  }
  if (request.body.empty()) throw Error(ErrorKind::bad_input, "no image in the request: send it as the body or as form field \"data\"");
  images.push_back(maybe_base64(std::move(request.body)));
  return images;
}

void predict(Server& server, HttpRequest&& request, const std::string& name, const std::string& version,
             const Respond& respond) {
  // TorchServe's service_envelope: KServe's bodies on /predictions, with TorchServe's errors.
  const std::string& envelope = server.config().service_envelope;
  if (envelope == "kserve") return kserve::v1_predict(server.core(), std::move(request), name, version, answer_error, respond);
  if (envelope == "kservev2") return kserve::v2_infer(server.core(), std::move(request), name, version, answer_error, respond);
  InferenceCall call{name, version, {}, request.client_gone};
  try {
    server.registry().find(name, version);
    call.images = request_images(request);
  } catch (const Error& e) {
    return respond(e.kind() == ErrorKind::not_found ? model_not_found(e) : error_response(e));
  }
  const size_t max_response = server.config().max_response_size;
  run_inference(server.core(), std::move(call), [respond, max_response](InferenceAnswer answer) {
    respond(prediction_response(answer, max_response));
  });
}

// Healthy when every model has at least its minimum of ready workers (TorchServe's rule).
HttpResponse ping(Server& server) {
  Json models = Json::object();
  bool healthy = true;
  for (const auto& model : server.core().health()) {
    healthy = healthy && model.ready >= model.min_workers;
    models[model.name + "/" + model.version] = {{"workers", model.workers}, {"ready", model.ready}};
  }
  return json_response(healthy ? 200 : 500, {{"status", healthy ? "Healthy" : "Unhealthy"}, {"models", models}});
}

// The name of the one model loaded at start-up, or "" when there are none or several.
std::string only_startup_model(Server& server) {
  std::string name;
  for (const auto& model : server.registry().defaults()) {
    if (!model->loaded_at_startup) continue;
    if (!name.empty()) return "";
    name = model->name;
  }
  return name;
}

// TorchServe's explanations run a handler's Captum attributions; an OCR result already says
// where each line is and how sure each character is, so ocrserve has none to give.
HttpResponse no_explanations(Server& server, const std::string& name, const std::string& version) {
  try {
    server.registry().find(name, version);
  } catch (const Error& e) {
    return model_not_found(e);
  }
  return error_response(501, "NotImplementedException",
                        "Model \"" + name + "\" has no explanations: ocrserve's results carry their own evidence (polygons, "
                        "detection and text scores); use /predictions/" + name);
}

}  // namespace

HttpHandler inference_api(Server& server) {
  return [&server](HttpRequest&& request, Respond respond) {
    const auto parts = path_segments(request.path);
    const std::string& method = request.method;
    // The web page needs no token: it holds nothing, and asks for the key when the API wants one.
    // Off, GET / is TorchServe's 405 (the API description answers OPTIONS only).
    if (parts.empty() && method == "GET" && server.config().enable_web_ui) return respond(web_page_response(request));
    if (auto answer = api_prelude(server, request, parts, "inference")) return respond(std::move(*answer));
    if (parts[0] == "ping" && parts.size() == 1) return respond(ping(server));
    if (parts[0] == "v1" || parts[0] == "v2") return kserve::serve_kserve(server.core(), std::move(request), parts, respond);
    if (parts[0] == "predictions" && (parts.size() == 2 || parts.size() == 3)) {
      if (method == "OPTIONS") {
        try {
          server.registry().find(parts[1], parts.size() == 3 ? parts[2] : "");
        } catch (const Error& e) {
          return respond(model_not_found(e));
        }
        return respond({200, model_api_description(parts[1]), "application/json", {}});
      }
      return predict(server, std::move(request), parts[1], parts.size() == 3 ? parts[2] : "", respond);
    }
    // TorchServe's other ways to name the same prediction: SageMaker's /invocations
    // (?model_name=, or the only start-up model), /models/N/invoke, and the legacy
    // /N/predict and /N/V/predict.
    if (parts[0] == "invocations" && parts.size() == 1) {
      std::string name = request.query_value("model_name");
      if (name.empty()) name = only_startup_model(server);
      if (name.empty()) return respond(error_response(400, "BadRequestException", "Parameter model_name is required."));
      return predict(server, std::move(request), name, "", respond);
    }
    if (parts[0] == "models" && parts.size() == 3 && parts[2] == "invoke") {
      return predict(server, std::move(request), parts[1], "", respond);
    }
    if (parts.size() == 2 && parts[1] == "predict") return predict(server, std::move(request), parts[0], "", respond);
    if (parts.size() == 3 && parts[2] == "predict") return predict(server, std::move(request), parts[0], parts[1], respond);
    if (parts[0] == "wfpredict") return respond(no_workflows());
    if (parts[0] == "explanations" && (parts.size() == 2 || parts.size() == 3)) {
      return respond(no_explanations(server, parts[1], parts.size() == 3 ? parts[2] : ""));
    }
    respond(error_response(404, "ResourceNotFoundException", "Requested resource is not found, please refer to API document."));
  };
}

}  // namespace ocrserve
