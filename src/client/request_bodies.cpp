#include "client/request_bodies.hpp"

#include "core/base64.hpp"
#include "core/json_file.hpp"
#include "ocrserve/error.hpp"

namespace ocrserve {

RequestProtocol parse_request_protocol(const std::string& name) {
  if (name == "torchserve") return RequestProtocol::torchserve;
  if (name == "v2") return RequestProtocol::v2_json;
  if (name == "v2-binary") return RequestProtocol::v2_binary;
  throw Error(ErrorKind::bad_input, "protocol \"" + name + "\": expected torchserve, v2 or v2-binary");
}

PostBody request_body(RequestProtocol protocol, const std::string& image) {
  if (protocol == RequestProtocol::torchserve) return {image, "application/octet-stream", {}};
  Json input = {{"name", "images"}, {"datatype", "BYTES"}, {"shape", {1}}};
  if (protocol == RequestProtocol::v2_json) {
    input["data"] = {base64_encode(image)};
    return {Json{{"inputs", {input}}}.dump(), "application/json", {}};
  }
  // One BYTES element: its 4-byte little-endian length, then the image.
  std::string data;
  for (int shift = 0; shift < 32; shift += 8) data.push_back(static_cast<char>((image.size() >> shift) & 0xff));
  data += image;
  input["parameters"] = {{"binary_data_size", data.size()}};
  const std::string head = Json{{"inputs", {input}}}.dump();
  return {head + data, "application/octet-stream", {{"Inference-Header-Content-Length", std::to_string(head.size())}}};
}

}  // namespace ocrserve
