// The inference API (:8080): /ping, /predictions/{model}[/{version}], the API description,
// KServe v2 health probes, and the web page (GET /, web_page.hpp).
#include <chrono>

#include "core/image_header.hpp"
#include "frontend/torchserve/api_error.hpp"
#include "frontend/torchserve/result_json.hpp"
#include "frontend/http/multipart.hpp"
#include "frontend/torchserve/server.hpp"
#include "frontend/torchserve/web_page.hpp"

namespace ocrserve {
namespace {


// MMOCR's handler accepts base64 text as well as image bytes; so do we.
std::string maybe_base64(std::string bytes) {
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  if (bytes.empty() || read_image_header(data, bytes.size())) return bytes;
  std::string decoded;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : bytes) {
    int value;
    if (c >= 'A' && c <= 'Z') value = c - 'A';
    else if (c >= 'a' && c <= 'z') value = c - 'a' + 26;
    else if (c >= '0' && c <= '9') value = c - '0' + 52;
    else if (c == '+' || c == '-') value = 62;
    else if (c == '/' || c == '_') value = 63;
    else if (c == '=' || c == '\r' || c == '\n' || c == ' ') continue;
    else return bytes;  // not base64: let the decoder say what is wrong
    buffer = (buffer << 6) | static_cast<uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      decoded.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  const auto* decoded_data = reinterpret_cast<const uint8_t*>(decoded.data());
  return read_image_header(decoded_data, decoded.size()) ? decoded : bytes;
}

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

// The request-wide limits, checked from the image headers before anything is decoded or queued.
std::optional<HttpResponse> over_budget(const std::vector<std::string>& images, const ServingLimits& limits) {
  if (images.size() > limits.max_images_per_request) {
    return error_response(413, "RequestEntityTooLargeException",
                          "request holds " + std::to_string(images.size()) + " images, more than the limit of " +
                              std::to_string(limits.max_images_per_request) + " (ocrserve_max_images_per_request)");
  }
  uint64_t pixels = 0;
  for (const auto& image : images) pixels += header_pixels(reinterpret_cast<const uint8_t*>(image.data()), image.size());
  if (pixels > limits.max_request_pixels) {
    return error_response(413, "RequestEntityTooLargeException",
                          "request images hold " + std::to_string(pixels) + " pixels, more than the limit of " +
                              std::to_string(limits.max_request_pixels) + " (ocrserve_max_request_pixels)");
  }
  return std::nullopt;
}

Json item_error(const Error& error) {
  const HttpResponse response = error_response(error);
  return Json::parse(response.body);
}

void predict(Server& server, HttpRequest&& request, const std::string& name, const std::string& version,
             const Respond& respond) {
  std::shared_ptr<ServedModel> model;
  try {
    model = server.registry().find(name, version);
  } catch (const Error& e) {
    return respond(model_not_found(e));
  }
  std::vector<std::string> images;
  try {
    images = request_images(request);
  } catch (const Error& e) {
    return respond(error_response(e));
  }
  if (auto refusal = over_budget(images, server.config().limits)) return respond(std::move(*refusal));
  const auto start = std::chrono::steady_clock::now();
  const std::string labels = label("model_name", name) + label("model_version", version.empty() ? "default" : version) +
                             label("hostname", server.metrics().hostname());
  const size_t max_response = server.config().max_response_size;
  Job job;
  job.images = std::move(images);
  job.abandoned = request.client_gone;
  job.done = [&server, respond, start, labels, max_response](std::vector<ItemOutcome> outcomes, std::optional<Error> error,
                                                             JobTimes times) {
    HttpResponse response;
    if (error) {
      response = error_response(*error);
    } else if (outcomes.size() == 1) {
      response = outcomes[0].error ? error_response(*outcomes[0].error) : json_response(200, result_json(outcomes[0].result));
    } else {
      // Several images in one request: one result (or error object) per image, in order.
      Json results = Json::array();
      for (auto& outcome : outcomes) results.push_back(outcome.error ? item_error(*outcome.error) : result_json(outcome.result));
      response = json_response(200, results);
    }
    if (response.body.size() > max_response) {
      response = error_response(500, "InternalServerException", "response of " + std::to_string(response.body.size()) +
                                                                     " bytes exceeds max_response_size");
    }
    if (times.ran) {
      // TorchServe's labels: the version as the URL gave it ("default" without one).
      server.metrics().add("ts_queue_latency_microseconds", labels, static_cast<double>(times.queued.count()));
      const std::string& host = server.metrics().host_labels();
      server.metrics().set("QueueTime", host, static_cast<double>(times.queued.count()) / 1000.0);
      server.metrics().set("WorkerThreadTime", host, static_cast<double>(times.worker_overhead.count()) / 1000.0);
    }
    server.metrics().add("ts_inference_requests_total", labels, 1);
    server.metrics().add("ts_inference_latency_microseconds", labels,
                         std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
    respond(std::move(response));
  };
  const auto submitted = model->runner->submit(std::move(job));
  if (submitted == ModelRunner::Submit::accepted) return;
  const std::string who = version.empty() ? "Model \"" + name + "\"" : "Model \"" + name + "\" Version " + version;
  std::string message = who + " has no worker to serve inference request. Please use scale workers API to add workers.";
  if (submitted == ModelRunner::Submit::queue_full) {
    message = who + " job queue is full (job_queue_size " + std::to_string(model->runner->settings().queue_capacity) +
              "); retry later.";
  }
  HttpResponse response = error_response(503, "ServiceUnavailableException", message);
  response.headers.emplace_back("Retry-After", "1");
  respond(std::move(response));
}

// Healthy when every model has at least its minimum of ready workers (TorchServe's rule).
HttpResponse ping(Server& server) {
  Json models = Json::object();
  bool healthy = true;
  for (const auto& model : server.registry().all()) {
    size_t ready = 0;
    for (const auto& worker : model->runner->workers()) ready += worker.status == "READY";
    healthy = healthy && ready >= model->min_workers;
    models[model->name + "/" + model->version] = {{"workers", model->runner->worker_count()}, {"ready", ready}};
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
    if (parts[0] == "v2" && parts.size() == 3 && parts[1] == "health") {
      if (parts[2] == "live") return respond(json_response(200, {{"live", true}}));
      if (parts[2] == "ready") {
        HttpResponse health = ping(server);
        const bool ready = health.status == 200 && !server.draining();
        return respond(json_response(ready ? 200 : 503, {{"ready", ready}}));
      }
    }
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
