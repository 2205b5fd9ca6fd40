#pragma once
// Running images on a served model, for any frontend: the request-wide limits checked from the
// image headers before anything is decoded, the job queued on the model's workers, and
// TorchServe's inference metrics counted. Each frontend words the answer in its protocol.
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "serve/batch_processor.hpp"
#include "serve/serving_core.hpp"

namespace ocrserve {

struct InferenceCall {
  std::string model;
  std::string version;               // empty: the default version
  std::vector<std::string> images;   // encoded image bytes
  // True once nobody waits for the answer (the client hung up): the job is dropped, not run.
  std::function<bool()> abandoned;
};

struct InferenceAnswer {
  std::vector<ItemOutcome> outcomes;  // one per image, in order, unless `error` is set
  // The whole call failed, with an Error whose type a frontend may tell apart: ModelRegistry's
  // not-found errors (VersionNotFoundError for a version), TooLargeError, overloaded (no worker,
  // queue full, timed out in the queue), or the worker's failure.
  std::exception_ptr error;
};

// A request over the request-wide limits (HTTP 413).
class TooLargeError : public Error {
 public:
  explicit TooLargeError(const std::string& message) : Error(ErrorKind::bad_input, message) {}
};

// Calls `done` exactly once, on this thread or a worker's.
void run_inference(ServingCore& core, InferenceCall call, std::function<void(InferenceAnswer)> done);

}  // namespace ocrserve
