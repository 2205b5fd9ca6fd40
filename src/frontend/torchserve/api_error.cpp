#include "frontend/torchserve/api_error.hpp"

#include "serve/model_registry.hpp"

namespace ocrserve {

std::string error_body(int code, const std::string& type, const std::string& message) {
  return Json{{"code", code}, {"type", type}, {"message", message}}.dump(2) + "\n";
}

HttpResponse error_response(int code, const std::string& type, const std::string& message) {
  return {code, error_body(code, type, message), "application/json", {}};
}

HttpResponse transport_error(int status, const std::string& message) {
  const char* type = "InternalServerException";
  switch (status) {
    case 400: case 431: type = "BadRequestException"; break;
    case 408: type = "RequestTimeoutException"; break;
    case 413: type = "RequestEntityTooLargeException"; break;
    case 501: type = "NotImplementedException"; break;
    case 503: type = "ServiceUnavailableException"; break;
  }
  return error_response(status, type, message);
}

HttpResponse error_response(const Error& error) {
  const int status = http_status(error.kind());
  if (status == 404) return error_response(404, "ModelNotFoundException", error.what());
  return transport_error(status, error.what());
}

HttpResponse model_not_found(const Error& error) {
  if (dynamic_cast<const VersionNotFoundError*>(&error)) return error_response(404, "ModelVersionNotFoundException", error.what());
  return error_response(404, "ModelNotFoundException", error.what());
}

// TorchServe's workflows chain Python handlers described by a YAML file; ocrserve's end-to-end
// OCR archive (det + rec [+ cls]) is the one workflow it runs, registered as a model.
HttpResponse no_workflows() {
  return error_response(501, "NotImplementedException",
                        "Workflows are not supported by ocrserve: register an end-to-end OCR archive "
                        "(`ocrserve archive --model-dir DET --rec-dir REC`) as a model and use /predictions/{model}");
}

HttpResponse json_response(int status, const Json& body) { return {status, body.dump(2) + "\n", "application/json", {}}; }

std::vector<std::string> path_segments(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start < path.size()) {
    const size_t slash = path.find('/', start);
    const std::string part = path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (!part.empty()) parts.push_back(part);
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return parts;
}

}  // namespace ocrserve
