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
  size_t max_pages = 1000;           // pages of a multi-page TIFF (or a PDF, for the command line)
};

// Decodes JPEG/PNG/BMP/WebP/TIFF bytes (the first page of a TIFF) into an 8-bit BGR image,
// turned upright as its EXIF orientation (a TIFF's Orientation tag) says, as OpenCV's imread
// and mmcv.imfrombytes do. `what` names the input in error messages (a file name, "request body").
cv::Mat decode_image(const uint8_t* data, size_t size, const std::string& what,
                     const DecodeLimits& limits = {});
cv::Mat decode_image(const std::vector<uint8_t>& bytes, const std::string& what,
                     const DecodeLimits& limits = {});

// Reads a whole file; Error(not_found) if it is missing, Error(bad_input) if unreadable.
std::vector<uint8_t> read_file_bytes(const std::filesystem::path& path);

cv::Mat read_image(const std::filesystem::path& path, const DecodeLimits& limits = {});

// The pages of a TIFF (its chain of image file directories), decoded one at a time with every
// check of decode_image: a page is decoded as if it were the file's first, so its own header is
// checked against the limits before any of its pixels are. Other formats have one page.
class ImagePages {
 public:
  // Error(bad_input) for a TIFF of more than limits.max_pages pages.
  ImagePages(std::vector<uint8_t> bytes, std::string what, const DecodeLimits& limits = {});

  size_t size() const { return directories_.empty() ? 1 : directories_.size(); }
  // Page `index` (0-based); `what` names it in error messages.
  cv::Mat decode(size_t index, const std::string& what);

 private:
  std::vector<uint8_t> bytes_;
  std::vector<uint32_t> directories_;  // offsets of a TIFF's directories; empty for other formats
  DecodeLimits limits_;
};

}  // namespace ocrserve
