#pragma once
// What a model's worker runs on a batch of requests' images: the served pipeline (Servable) in
// the server, a fake in the batcher's unit tests.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ocrserve/error.hpp"
#include "ocrserve/results.hpp"

namespace ocrserve {

// The outcome for one image of a request: a result, or the error that image caused.
struct ItemOutcome {
  PipelineResult result;
  std::optional<Error> error;
};

class BatchProcessor {
 public:
  virtual ~BatchProcessor() = default;
  // One outcome per image, in order; an image that fails fails alone. Throwing fails the batch.
  virtual std::vector<ItemOutcome> run(const std::vector<const std::string*>& images) = 0;
};

// Makes one worker's processor, on that worker's thread; throws Error when it cannot load.
using BatchProcessorFactory = std::function<std::unique_ptr<BatchProcessor>()>;

}  // namespace ocrserve
