#include "frontend/grpc/grpc_status.hpp"

#include "core/json_file.hpp"

namespace ocrserve {

const char* const kTokenFailure = "Token Authorization failed. Token either incorrect, expired, or not provided correctly";

::grpc::StatusCode grpc_code(int http_status) {
  switch (http_status) {
    case 400: return ::grpc::StatusCode::INVALID_ARGUMENT;
    case 401: return ::grpc::StatusCode::UNAUTHENTICATED;
    case 403: case 405: return ::grpc::StatusCode::PERMISSION_DENIED;
    case 404: return ::grpc::StatusCode::NOT_FOUND;
    case 409: return ::grpc::StatusCode::ABORTED;
    case 413: case 429: case 507: return ::grpc::StatusCode::RESOURCE_EXHAUSTED;
    case 499: return ::grpc::StatusCode::CANCELLED;
    case 501: return ::grpc::StatusCode::UNIMPLEMENTED;
    case 503: return ::grpc::StatusCode::UNAVAILABLE;
    case 504: return ::grpc::StatusCode::DEADLINE_EXCEEDED;
    default: break;
  }
  return http_status >= 200 && http_status < 300 ? ::grpc::StatusCode::OK : ::grpc::StatusCode::INTERNAL;
}

::grpc::Status grpc_status(const HttpResponse& response) {
  const ::grpc::StatusCode code = grpc_code(response.status);
  if (code == ::grpc::StatusCode::OK) return ::grpc::Status::OK;
  std::string message = response.body;
  const Json body = Json::parse(response.body, nullptr, false);
  if (body.is_object() && body.contains("message") && body["message"].is_string()) message = body["message"].get<std::string>();
  return {code, message};
}

}  // namespace ocrserve
