#pragma once
// TorchServe's error body: {"code": N, "type": "<Java exception name>", "message": "..."},
// pretty-printed with a trailing newline, and how our error kinds map onto it.
#include <string>
#include <vector>

#include "core/json_file.hpp"
#include "ocrserve/error.hpp"
#include "frontend/http/http_server.hpp"

namespace ocrserve {

std::string error_body(int code, const std::string& type, const std::string& message);
HttpResponse error_response(int code, const std::string& type, const std::string& message);

// An error status, with the exception type TorchServe gives it (the transport's own errors too).
HttpResponse transport_error(int status, const std::string& message);

// The error's http_status(), 404 as ModelNotFoundException.
HttpResponse error_response(const Error& error);

// 404 ModelNotFoundException, or ModelVersionNotFoundException when the model exists.
HttpResponse model_not_found(const Error& error);

// 501 for TorchServe's workflow APIs (/workflows, /wfpredict), saying what to use instead.
HttpResponse no_workflows();

// A pretty-printed JSON body, as TorchServe writes them.
HttpResponse json_response(int status, const Json& body);

// "/models/a/1.0" → {"models", "a", "1.0"}.
std::vector<std::string> path_segments(const std::string& path);

}  // namespace ocrserve
