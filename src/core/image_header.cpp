#include "core/image_header.hpp"

#include <algorithm>
#include <cstring>

namespace ocrserve {
namespace {

// Bounds-checked big/little-endian reads: every access goes through these.
struct Bytes {
  const uint8_t* data;
  size_t size;
  bool has(size_t offset, size_t count) const { return offset <= size && count <= size - offset; }
  uint32_t be16(size_t o) const { return (data[o] << 8) | data[o + 1]; }
  uint32_t be32(size_t o) const {
    return (static_cast<uint32_t>(data[o]) << 24) | (data[o + 1] << 16) | (data[o + 2] << 8) | data[o + 3];
  }
  uint32_t le16(size_t o) const { return data[o] | (data[o + 1] << 8); }
  uint32_t le24(size_t o) const { return data[o] | (data[o + 1] << 8) | (data[o + 2] << 16); }
  uint32_t le32(size_t o) const { return le24(o) | (static_cast<uint32_t>(data[o + 3]) << 24); }
  bool starts(size_t o, const char* text) const {
    const size_t n = std::strlen(text);
    return has(o, n) && std::memcmp(data + o, text, n) == 0;
  }
};

std::optional<ImageHeader> png(const Bytes& b) {
  // Signature, then the IHDR chunk: length, "IHDR", width, height (big-endian).
  if (!b.has(0, 24) || !b.starts(12, "IHDR")) return std::nullopt;
  return ImageHeader{"png", b.be32(16), b.be32(20)};
}

std::optional<ImageHeader> jpeg(const Bytes& b) {
  size_t offset = 2;  // after SOI
  while (b.has(offset, 2)) {
    if (b.data[offset] != 0xFF) return std::nullopt;
    uint8_t marker = b.data[offset + 1];
    if (marker == 0xFF) {  // fill byte
      ++offset;
      continue;
    }
    offset += 2;
    // Markers without a length field.
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD9)) {
      if (marker == 0xD9) return std::nullopt;  // end of image before any frame
      continue;
    }
    if (!b.has(offset, 2)) return std::nullopt;
    const uint32_t length = b.be16(offset);
    if (length < 2) return std::nullopt;
    const bool frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (frame) {
      if (!b.has(offset, 7)) return std::nullopt;
      return ImageHeader{"jpeg", b.be16(offset + 5), b.be16(offset + 3)};
    }
    if (marker == 0xDA) return std::nullopt;  // scan data before a frame header
    offset += length;
  }
  return std::nullopt;
}

std::optional<ImageHeader> bmp(const Bytes& b) {
  if (!b.has(0, 26)) return std::nullopt;
  const uint32_t header_size = b.le32(14);
  if (header_size == 12) return ImageHeader{"bmp", b.le16(18), b.le16(20)};  // OS/2 core header
  const auto height = static_cast<int32_t>(b.le32(22));
  const auto width = static_cast<int32_t>(b.le32(18));
  if (width < 0) return std::nullopt;
  // A negative height means rows are stored top-down.
  const uint32_t abs_height = height < 0 ? 0u - static_cast<uint32_t>(height) : static_cast<uint32_t>(height);
  return ImageHeader{"bmp", static_cast<uint32_t>(width), abs_height};
}

std::optional<ImageHeader> gif(const Bytes& b) {
  if (!b.has(0, 10)) return std::nullopt;
  return ImageHeader{"gif", b.le16(6), b.le16(8)};
}

std::optional<ImageHeader> webp(const Bytes& b) {
  if (b.starts(12, "VP8X") && b.has(24, 6)) return ImageHeader{"webp", b.le24(24) + 1, b.le24(27) + 1};
  if (b.starts(12, "VP8L") && b.has(21, 4)) {
    const uint32_t bits = b.le32(21);
    return ImageHeader{"webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1};
  }
  if (b.starts(12, "VP8 ") && b.has(26, 4)) return ImageHeader{"webp", b.le16(26) & 0x3FFF, b.le16(28) & 0x3FFF};
  return std::nullopt;
}

// The first image file directory's ImageWidth (256) and ImageLength (257) tags: the page
// OpenCV decodes. BigTIFF (magic 43) is not recognised.
std::optional<ImageHeader> tiff(const Bytes& b) {
  const bool little = b.data[0] == 'I';
  const auto u16 = [&](size_t o) { return little ? b.le16(o) : b.be16(o); };
  const auto u32 = [&](size_t o) { return little ? b.le32(o) : b.be32(o); };
  if (!b.has(0, 8) || u16(2) != 42) return std::nullopt;
  const size_t ifd = u32(4);
  if (!b.has(ifd, 2)) return std::nullopt;
  const size_t entries = u16(ifd);
  uint32_t width = 0, height = 0;
  for (size_t i = 0; i < entries; ++i) {
    const size_t entry = ifd + 2 + 12 * i;
    if (!b.has(entry, 12)) return std::nullopt;
    const uint32_t tag = u16(entry), type = u16(entry + 2);
    if (tag != 256 && tag != 257) continue;
    // libtiff takes the size in any integer type; one we cannot read is not guessed at.
    uint32_t value = 0;
    switch (type) {
      case 1: value = b.data[entry + 8]; break;                                  // BYTE
      case 3: value = u16(entry + 8); break;                                     // SHORT
      case 4: value = u32(entry + 8); break;                                     // LONG
      case 6: value = static_cast<int8_t>(b.data[entry + 8]) < 0 ? 0 : b.data[entry + 8]; break;  // SBYTE
      case 8: value = static_cast<int16_t>(u16(entry + 8)) < 0 ? 0 : u16(entry + 8); break;      // SSHORT
      case 9: value = static_cast<int32_t>(u32(entry + 8)) < 0 ? 0 : u32(entry + 8); break;      // SLONG
      default: return std::nullopt;
    }
    // A tag given twice: the decoder may use either, so the larger is the size to check.
    uint32_t& size = tag == 256 ? width : height;
    size = std::max(size, value);
  }
  if (width == 0 || height == 0) return std::nullopt;
  return ImageHeader{"tiff", width, height};
}

}  // namespace

uint64_t header_pixels(const uint8_t* data, size_t size) {
  const auto header = read_image_header(data, size);
  return header ? uint64_t{header->width} * header->height : 0;
}

size_t count_jpeg_scans(const uint8_t* data, size_t size, size_t stop_after) {
  const Bytes b{data, size};
  size_t scans = 0;
  size_t offset = 2;  // after SOI
  while (b.has(offset, 2) && scans <= stop_after) {
    if (b.data[offset] != 0xFF) {  // entropy-coded data: skip to the next marker
      ++offset;
      continue;
    }
    const uint8_t marker = b.data[offset + 1];
    // Stuffed zero bytes, fill bytes and restart markers belong to the scan data.
    if (marker == 0x00 || marker == 0xFF || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) {
      offset += marker == 0xFF ? 1 : 2;
      continue;
    }
    if (marker == 0xD9) break;  // end of image
    if (!b.has(offset + 2, 2)) break;
    scans += marker == 0xDA;
    offset += 2 + b.be16(offset + 2);
  }
  return scans;
}

std::optional<ImageHeader> read_image_header(const uint8_t* data, size_t size) {
  const Bytes b{data, size};
  if (b.starts(0, "\x89PNG\r\n\x1a\n")) return png(b);
  if (b.has(0, 3) && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) return jpeg(b);
  if (b.starts(0, "BM")) return bmp(b);
  if (b.starts(0, "GIF87a") || b.starts(0, "GIF89a")) return gif(b);
  if (b.starts(0, "RIFF") && b.starts(8, "WEBP")) return webp(b);
  if (b.starts(0, "II*") || b.starts(0, "MM")) {
    if (b.has(0, 4) && ((data[0] == 'I' && data[3] == 0) || (data[0] == 'M' && data[2] == 0 && data[3] == '*'))) {
      return tiff(b);
    }
  }
  return std::nullopt;
}

}  // namespace ocrserve
