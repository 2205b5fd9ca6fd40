// multipart/form-data uploads (curl -F data=@img.jpg): the input's first line is the
// Content-Type header, the rest the body, as request_images in src/frontend/torchserve/inference_api.cpp
// hands them over. Malformed bodies must end in ocrserve::Error.
#include <cstddef>
#include <cstdint>
#include <string>

#include "check.hpp"
#include "ocrserve/error.hpp"
#include "frontend/http/multipart.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const size_t newline = input.find('\n');
  const std::string content_type = input.substr(0, newline);
  const std::string body = newline == std::string::npos ? std::string() : input.substr(newline + 1);

  const auto boundary = ocrserve::multipart_boundary(content_type);
  if (!boundary) return 0;
  FUZZ_CHECK(!boundary->empty(), "a boundary is never empty");
  FUZZ_CHECK(content_type.find(*boundary) != std::string::npos, "the boundary comes from the header");
  try {
    const auto parts = ocrserve::parse_multipart(body, *boundary);
    size_t content = 0;
    for (const auto& part : parts) {
      FUZZ_CHECK(body.find(part.body) != std::string::npos, "a part's content is a piece of the body");
      content += part.body.size();
    }
    FUZZ_CHECK(content <= body.size(), "the parts hold no more than the body");
  } catch (const ocrserve::Error&) {
  }
  return 0;
}
