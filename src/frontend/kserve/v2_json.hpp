#pragma once
// The Open Inference Protocol's (KServe v2) REST bodies: an inference request's JSON, with the
// binary tensor data extension (the JSON's length in the Inference-Header-Content-Length header,
// tensor bytes after it), and the response's. BYTES elements in JSON are base64 text (images are
// not UTF-8); as binary data they are 4-byte little-endian lengths each followed by the bytes.
// docs/kserve.md describes it for users.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/json_file.hpp"
#include "frontend/kserve/v2_tensors.hpp"

namespace ocrserve::kserve {

struct RequestedOutput {
  std::string name;
  bool binary = false;  // parameters.binary_data: the tensor goes after the JSON as raw bytes
};

struct InferRequest {
  std::optional<std::string> id;        // echoed in the response
  std::vector<Tensor> inputs;           // BYTES inputs decoded; others keep name, datatype, shape
  std::vector<RequestedOutput> outputs;  // empty: every output, binary when binary_outputs
  bool binary_outputs = false;          // parameters.binary_data_output of the request
};

// Parses a request body; `json_length` is Inference-Header-Content-Length when the request has
// one (the JSON is the body's first json_length bytes, the binary tensor data follows).
// Error(bad_input) naming the field for malformed JSON, a missing or mistyped field, a shape
// that is negative or too large, text that is not base64, or binary data whose sizes do not add up.
InferRequest parse_infer_request(const std::string& body, std::optional<size_t> json_length);

struct EncodedResponse {
  std::string body;
  std::optional<size_t> json_length;  // set when binary data follows the JSON
};

// {"model_name", "model_version", "id" (when the request had one), "outputs": [{"name",
// "datatype", "shape", "data"}]}. Outputs named in `binary` go after the JSON instead of "data"
// (their "parameters" hold "binary_data_size").
EncodedResponse encode_infer_response(const std::string& model, const std::string& version,
                                      const std::optional<std::string>& id, const std::vector<Tensor>& outputs,
                                      const std::vector<bool>& binary);

// [{"name", "datatype", "shape"}, …] for model metadata.
Json metadata_json(const std::vector<TensorMetadata>& tensors);

}  // namespace ocrserve::kserve
