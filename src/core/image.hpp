#pragma once
// Image decoding with the checks a server needs: every way an upload can be wrong
// becomes an Error(bad_input) with a message that says what was wrong.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace ocrserve {

// What one image may cost, checked from its header before any pixel is decoded.
struct DecodeLimits {
  uint64_t max_pixels = 40'000'000;  // 40 MP: an A4 page scanned at 600 dpi (35 MP) fits
  uint32_t max_side = 32'000;
  size_t max_jpeg_scans = 100;       // progressive JPEGs have about 10
};

// Decodes JPEG/PNG/BMP/WebP/TIFF bytes (the first page of a TIFF) into an 8-bit BGR image.
// `what` names the input in error messages (a file name, "request body").
cv::Mat decode_image(const uint8_t* data, size_t size, const std::string& what,
                     const DecodeLimits& limits = {});
cv::Mat decode_image(const std::vector<uint8_t>& bytes, const std::string& what,
                     const DecodeLimits& limits = {});

// Reads a whole file; Error(not_found) if it is missing, Error(bad_input) if unreadable.
std::vector<uint8_t> read_file_bytes(const std::filesystem::path& path);

cv::Mat read_image(const std::filesystem::path& path, const DecodeLimits& limits = {});

}  // namespace ocrserve
