#pragma once
// What /predictions answers, apart from HTTP: the images a request part holds and the
// TorchServe response (status and JSON body) for an inference's answer. The REST API and the
// gRPC Predictions calls share it, so that both give the same bytes.
#include <exception>
#include <string>

#include "frontend/http/http_server.hpp"
#include "serve/inference.hpp"

namespace ocrserve {

// MMOCR's handler accepts base64 text as well as image bytes; so do we. The bytes unchanged
// unless they are base64 of an image.
std::string maybe_base64(std::string bytes);

// A whole request's failure: TorchServe's 413 for the request-wide limits, 404 for an unknown
// model or version, else by the error's kind.
HttpResponse answer_error(const std::exception_ptr& error);

// The answer to an inference: one image's result (or its error), or an array of per-image
// results and error objects; 500 when the body would exceed `max_response` bytes.
HttpResponse prediction_response(const InferenceAnswer& answer, size_t max_response);

}  // namespace ocrserve
