// Uploaded image bytes: the header reader and the decoder (what /predictions runs on every
// image) must refuse anything wrong with ocrserve::Error. Any other exception, a sanitizer
// report or a broken promise below is a bug.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include <opencv2/core.hpp>

#include "check.hpp"
#include "core/image.hpp"
#include "core/image_header.hpp"
#include "ocrserve/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto header = ocrserve::read_image_header(data, size);
  const ocrserve::DecodeLimits limits;  // the server's defaults
  cv::Mat image;
  try {
    image = ocrserve::decode_image(data, size, "fuzz input", limits);
  } catch (const ocrserve::Error&) {
    return 0;
  }
  FUZZ_CHECK(header.has_value(), "decode_image accepted bytes whose header it cannot read");
  FUZZ_CHECK(!image.empty() && image.type() == CV_8UC3, "a decoded image is 8-bit BGR");
  FUZZ_CHECK(static_cast<uint64_t>(image.cols) <= limits.max_side &&
                 static_cast<uint64_t>(image.rows) <= limits.max_side &&
                 static_cast<uint64_t>(image.cols) * static_cast<uint64_t>(image.rows) <= limits.max_pixels,
             "a decoded image is within the limits");
  // The size check before decoding trusts the header: a header that understates the size
  // would let a decompression bomb through to the allocation. (A TIFF's Orientation tag may
  // turn the picture a quarter: its sides may swap, its area may not grow.)
  if (header->width != 0 && header->height != 0) {
    const uint64_t cols = image.cols, rows = image.rows;
    const uint64_t longest = std::max(header->width, header->height);
    FUZZ_CHECK(cols * rows <= uint64_t{header->width} * header->height && cols <= longest && rows <= longest,
               "the decoded image is no larger than its header said");
  }
  return 0;
}
