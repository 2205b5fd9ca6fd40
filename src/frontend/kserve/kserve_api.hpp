#pragma once
// KServe's REST protocols on the inference port, beside TorchServe's: v1 (/v1/models…) and v2,
// the Open Inference Protocol (/v2, /v2/health/…, /v2/models/N[/versions/V][/ready|/infer]).
// Errors are KServe's {"error": "message"}. docs/kserve.md describes the endpoints.
#include <exception>
#include <functional>
#include <string>
#include <vector>

#include "frontend/http/http_server.hpp"
#include "serve/serving_core.hpp"

namespace ocrserve::kserve {

// KServe's error answer for a failed call: {"error": message} with 413 for the request-wide
// limits, else the error's http_status() (500 for anything that is not an Error).
HttpResponse kserve_error(const std::exception_ptr& error);

// How a protocol's handler words its errors: kserve_error on /v1 and /v2; TorchServe's body on
// /predictions with service_envelope.
using ErrorWording = std::function<HttpResponse(const std::exception_ptr&)>;

// Answers a request under /v1 or /v2 (`parts`: the path's segments, parts[0] "v1" or "v2").
// The caller has checked the token.
void serve_kserve(ServingCore& core, HttpRequest&& request, const std::vector<std::string>& parts,
                  const Respond& respond);

// Predict with v1's bodies and infer with v2's, on a model (`version` empty: the default).
void v1_predict(ServingCore& core, HttpRequest&& request, const std::string& model, const std::string& version,
                const ErrorWording& errors, const Respond& respond);
void v2_infer(ServingCore& core, HttpRequest&& request, const std::string& model, const std::string& version,
              const ErrorWording& errors, const Respond& respond);

}  // namespace ocrserve::kserve
