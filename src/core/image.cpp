#include "core/image.hpp"

#include <cstring>
#include <fstream>

#include <opencv2/imgcodecs.hpp>

#include "core/image_header.hpp"
#include "ocrserve/error.hpp"

namespace ocrserve {
namespace {

void check_size(uint64_t width, uint64_t height, const std::string& what, const DecodeLimits& limits) {
  if (width > limits.max_side || height > limits.max_side || width * height > limits.max_pixels) {
    throw Error(ErrorKind::bad_input, what + ": image of " + std::to_string(width) + "x" + std::to_string(height) +
                                          " pixels exceeds the limit (" + std::to_string(limits.max_side) +
                                          " pixels per side, " + std::to_string(limits.max_pixels) + " pixels in all)");
  }
}

// A JPEG must end with an end-of-image marker (trailing bytes after it are tolerated):
// without one the file was cut short and libjpeg would hand back a half-grey picture.
bool jpeg_has_end(const uint8_t* data, size_t size) {
  for (size_t i = size; i >= 2; --i) {
    if (data[i - 2] == 0xFF && data[i - 1] == 0xD9) return true;
  }
  return false;
}

}  // namespace

cv::Mat decode_image(const uint8_t* data, size_t size, const std::string& what, const DecodeLimits& limits) {
  if (size == 0) throw Error(ErrorKind::bad_input, what + ": empty file");
  const auto header = read_image_header(data, size);
  if (!header) throw Error(ErrorKind::bad_input, what + ": not an image (unrecognised or truncated header)");
  // OpenCV hands bytes its decoder for the named format turns down to the next decoder whose
  // signature matches, and Debian's build includes GDCM, which claims any file with "DICM" at
  // offset 128 and aborts the process on a malformed one.
  if (size >= 132 && std::memcmp(data + 128, "DICM", 4) == 0) {
    throw Error(ErrorKind::bad_input, what + ": not a valid " + header->format +
                                          " image (it also carries a DICOM signature, which is not decoded here)");
  }
  if (header->format == "gif") {
    throw Error(ErrorKind::unsupported, what + ": GIF images cannot be read (this build's OpenCV has no GIF decoder); "
                                               "convert it to PNG");
  }
  check_size(header->width, header->height, what, limits);
  if (header->format == "jpeg") {
    if (!jpeg_has_end(data, size)) {
      throw Error(ErrorKind::bad_input, what + ": corrupt or truncated jpeg image (no end-of-image marker)");
    }
    if (const size_t scans = count_jpeg_scans(data, size, limits.max_jpeg_scans); scans > limits.max_jpeg_scans) {
      throw Error(ErrorKind::bad_input, what + ": jpeg image has more than " + std::to_string(limits.max_jpeg_scans) +
                                            " scans (the limit); re-encode it");
    }
  }
  cv::Mat image;
  try {
    // mmcv.imfrombytes ignores EXIF orientation; so do we, so coordinates match MMOCR's.
    image = cv::imdecode(cv::Mat(1, static_cast<int>(size), CV_8U, const_cast<uint8_t*>(data)),
                         cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION);
  } catch (const cv::Exception& e) {
    throw Error(ErrorKind::bad_input, what + ": corrupt " + header->format + " image: " + e.err);
  }
  if (image.empty()) throw Error(ErrorKind::bad_input, what + ": corrupt or truncated " + header->format + " image");
  check_size(image.cols, image.rows, what, limits);
  return image;
}

cv::Mat decode_image(const std::vector<uint8_t>& bytes, const std::string& what, const DecodeLimits& limits) {
  return decode_image(bytes.data(), bytes.size(), what, limits);
}

std::vector<uint8_t> read_file_bytes(const std::filesystem::path& path) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) throw Error(ErrorKind::not_found, path.string() + ": file not found");
  if (std::filesystem::is_directory(path, error)) throw Error(ErrorKind::bad_input, path.string() + ": is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorKind::bad_input, path.string() + ": cannot read");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error(ErrorKind::bad_input, path.string() + ": read error");
  return bytes;
}

cv::Mat read_image(const std::filesystem::path& path, const DecodeLimits& limits) {
  return decode_image(read_file_bytes(path), path.string(), limits);
}

}  // namespace ocrserve
