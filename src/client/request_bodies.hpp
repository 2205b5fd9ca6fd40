#pragma once
// How one image travels to a server in each protocol the load generator speaks: TorchServe's
// raw body, KServe v2's JSON (base64 BYTES) or v2 with the binary tensor data extension.
#include <string>
#include <vector>

namespace ocrserve {

enum class RequestProtocol { torchserve, v2_json, v2_binary };

// "torchserve", "v2" or "v2-binary"; Error(bad_input) for another name.
RequestProtocol parse_request_protocol(const std::string& name);

struct PostBody {
  std::string content;
  std::string content_type = "application/octet-stream";
  std::vector<std::pair<std::string, std::string>> headers;
};

// The POST body (and headers) that asks for inference on `image` in `protocol`.
PostBody request_body(RequestProtocol protocol, const std::string& image);

}  // namespace ocrserve
