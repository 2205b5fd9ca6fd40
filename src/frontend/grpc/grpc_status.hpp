#pragma once
// How TorchServe's REST answers become gRPC statuses: TorchServe's own table (GRPCUtils) from
// the HTTP status, and the message of the error body, so that a call fails over gRPC as the
// same call fails over REST.
#include <string>

#include <grpcpp/support/status.h>

#include "frontend/http/http_server.hpp"

namespace ocrserve {

// 400 INVALID_ARGUMENT, 401 UNAUTHENTICATED, 403/405 PERMISSION_DENIED, 404 NOT_FOUND,
// 409 ABORTED, 413/429/507 RESOURCE_EXHAUSTED, 499 CANCELLED, 501 UNIMPLEMENTED,
// 503 UNAVAILABLE, 504 DEADLINE_EXCEEDED, other 2xx OK, anything else INTERNAL.
::grpc::StatusCode grpc_code(int http_status);

// A TorchServe error response as a status: the code above, the body's "message" (the body
// itself when it is no TorchServe error JSON).
::grpc::Status grpc_status(const HttpResponse& response);

// TorchServe's words for a call without the right key in its "authorization" metadata.
extern const char* const kTokenFailure;

}  // namespace ocrserve
