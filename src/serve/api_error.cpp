#include "serve/api_error.hpp"

#include "core/json_file.hpp"

namespace ocrserve {

std::string error_body(int code, const std::string& type, const std::string& message) {
  return Json{{"code", code}, {"type", type}, {"message", message}}.dump(2) + "\n";
}

HttpResponse error_response(int code, const std::string& type, const std::string& message) {
  return {code, error_body(code, type, message), "application/json", {}};
}

HttpResponse error_response(const Error& error) {
  switch (error.kind()) {
    case ErrorKind::bad_input: return error_response(400, "BadRequestException", error.what());
    case ErrorKind::not_found: return error_response(404, "ModelNotFoundException", error.what());
    case ErrorKind::unsupported: return error_response(400, "BadRequestException", error.what());
    case ErrorKind::overloaded: {
      HttpResponse response = error_response(503, "ServiceUnavailableException", error.what());
      response.headers.emplace_back("Retry-After", "1");
      return response;
    }
    case ErrorKind::internal: break;
  }
  return error_response(500, "InternalServerException", error.what());
}

}  // namespace ocrserve
