#pragma once
// KServe's v1 protocol bodies for OCR: {"instances": [...]} in, {"predictions": [...]} out. An
// instance is one image, base64 in any of the forms KServe clients and TorchServe's KServe
// wrapper send: "<base64>", {"b64": "<base64>"} or {"data": "<base64>"}.
#include <string>
#include <vector>

#include "core/json_file.hpp"
#include "ocrserve/results.hpp"

namespace ocrserve::kserve {

// The encoded images of a predict body ("instances", or v1's alternative "inputs"), in order.
// Error(bad_input) naming the instance for malformed JSON, a missing list, an instance of another
// shape or text that is not base64.
std::vector<std::string> v1_instances(const std::string& body);

// {"predictions": [one result per image, in TorchServe's result JSON]}.
Json v1_predictions(const std::vector<PipelineResult>& results);

}  // namespace ocrserve::kserve
