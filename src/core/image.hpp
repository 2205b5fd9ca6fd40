#pragma once
// Image decoding with the checks a server needs: every way an upload can be wrong
// becomes an Error(bad_input) with a message that says what was wrong.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace ocrserve {

struct DecodeLimits {
  uint64_t max_pixels = 100'000'000;  // 100 MP: a 10000x10000 scan still fits
  uint32_t max_side = 32'000;
};

// Decodes JPEG/PNG/BMP/WebP/TIFF/… bytes into an 8-bit BGR image.
// `what` names the input in error messages (a file name, "request body").
cv::Mat decode_image(const uint8_t* data, size_t size, const std::string& what,
                     const DecodeLimits& limits = {});
cv::Mat decode_image(const std::vector<uint8_t>& bytes, const std::string& what,
                     const DecodeLimits& limits = {});

// Reads a whole file; Error(not_found) if it is missing, Error(bad_input) if unreadable.
std::vector<uint8_t> read_file_bytes(const std::filesystem::path& path);

cv::Mat read_image(const std::filesystem::path& path, const DecodeLimits& limits = {});

}  // namespace ocrserve
