#pragma once
// Reads an image's dimensions from its header without decoding it, so that a
// 30000x30000 "decompression bomb" is refused before any pixel buffer is allocated.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace ocrserve {

struct ImageHeader {
  std::string format;  // "jpeg", "png", "bmp", "webp", "tiff", …
  uint32_t width = 0;
  uint32_t height = 0;
};

// The format and size stated by the header, or nullopt when the bytes are not an image
// format we recognise or the header is truncated.
std::optional<ImageHeader> read_image_header(const uint8_t* data, size_t size);

// width x height as the header states it; 0 when the bytes are not an image we recognise.
uint64_t header_pixels(const uint8_t* data, size_t size);

// The number of scans (SOS markers) in a JPEG, counting no further than `stop_after` + 1:
// each scan of a progressive JPEG is a pass over the whole picture, so thousands of tiny
// scans make a small file cost a worker half a minute.
size_t count_jpeg_scans(const uint8_t* data, size_t size, size_t stop_after);

}  // namespace ocrserve
