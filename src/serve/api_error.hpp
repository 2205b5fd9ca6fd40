#pragma once
// TorchServe's error body: {"code": N, "type": "<Java exception name>", "message": "..."},
// pretty-printed with a trailing newline, and how our error kinds map onto it.
#include <string>

#include "ocrserve/error.hpp"
#include "serve/http_server.hpp"

namespace ocrserve {

std::string error_body(int code, const std::string& type, const std::string& message);
HttpResponse error_response(int code, const std::string& type, const std::string& message);

// bad_input → 400, not_found → 404, unsupported → 400, overloaded → 503, internal → 500.
HttpResponse error_response(const Error& error);

}  // namespace ocrserve
