#include "core/image.hpp"

#include <cstring>
#include <fstream>
#include <set>

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

// The offsets of a TIFF's image file directories, in file order, stopping after `limit` + 1 or at
// a directory that is cut short or seen before (a loop). Empty when the bytes are not a TIFF.
std::vector<uint32_t> tiff_directories(const std::vector<uint8_t>& bytes, size_t limit) {
  std::vector<uint32_t> directories;
  if (bytes.size() < 8) return directories;
  const bool little = bytes[0] == 'I' && bytes[1] == 'I' && bytes[2] == 42 && bytes[3] == 0;
  const bool big = bytes[0] == 'M' && bytes[1] == 'M' && bytes[2] == 0 && bytes[3] == 42;
  if (!little && !big) return directories;
  const auto u16 = [&](size_t o) {
    return little ? bytes[o] | (bytes[o + 1] << 8) : (bytes[o] << 8) | bytes[o + 1];
  };
  const auto u32 = [&](size_t o) -> uint32_t {
    return little ? bytes[o] | (bytes[o + 1] << 8) | (bytes[o + 2] << 16) | (uint32_t{bytes[o + 3]} << 24)
                  : (uint32_t{bytes[o]} << 24) | (bytes[o + 1] << 16) | (bytes[o + 2] << 8) | bytes[o + 3];
  };
  std::set<uint32_t> seen;
  uint32_t offset = u32(4);
  while (offset != 0 && directories.size() <= limit && seen.insert(offset).second) {
    if (offset > bytes.size() - 2) break;
    directories.push_back(offset);
    const size_t next = size_t{offset} + 2 + 12 * size_t{static_cast<uint32_t>(u16(offset))};
    if (next > bytes.size() - 4) break;
    offset = u32(next);
  }
  return directories;
}

void put_offset(std::vector<uint8_t>& bytes, uint32_t offset) {
  const bool little = bytes[0] == 'I';
  for (int i = 0; i < 4; ++i) bytes[4 + i] = static_cast<uint8_t>(offset >> (little ? 8 * i : 8 * (3 - i)));
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
    // IMREAD_COLOR turns the image upright as its EXIF orientation says, as cv2.imread and
    // mmcv.imfrombytes (MMOCR's TorchServe handler) do, so coordinates are those of the picture
    // a viewer shows.
    image = cv::imdecode(cv::Mat(1, static_cast<int>(size), CV_8U, const_cast<uint8_t*>(data)), cv::IMREAD_COLOR);
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

ImagePages::ImagePages(std::vector<uint8_t> bytes, std::string what, const DecodeLimits& limits)
    : bytes_(std::move(bytes)), limits_(limits) {
  const auto header = read_image_header(bytes_.data(), bytes_.size());
  if (!header || header->format != "tiff") return;
  directories_ = tiff_directories(bytes_, limits.max_pages);
  if (directories_.size() > limits.max_pages) {
    throw Error(ErrorKind::bad_input, what + ": TIFF of more than " + std::to_string(limits.max_pages) +
                                          " pages (the limit); split it");
  }
}

cv::Mat ImagePages::decode(size_t index, const std::string& what) {
  if (index >= size()) throw Error(ErrorKind::internal, what + ": no page " + std::to_string(index + 1));
  if (index == 0) return decode_image(bytes_, what, limits_);
  // Every offset in a TIFF is from the start of the file, so pointing the header at another
  // directory makes that page the one a decoder reads, pixels and checks alike.
  put_offset(bytes_, directories_[index]);
  try {
    cv::Mat page = decode_image(bytes_, what, limits_);
    put_offset(bytes_, directories_[0]);
    return page;
  } catch (...) {
    put_offset(bytes_, directories_[0]);
    throw;
  }
}

}  // namespace ocrserve
