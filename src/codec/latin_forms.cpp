#include "codec/latin_forms.hpp"

#include <cstdint>
#include <vector>

namespace ocrserve {
namespace {

// UTF-8 to code points and back; bytes that are not valid UTF-8 are kept as they are.
struct Piece {
  uint32_t point;  // 0 for a byte kept as it is
  std::string bytes;
};

std::vector<Piece> pieces_of(const std::string& text) {
  std::vector<Piece> pieces;
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const size_t length = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (length == 0 || i + length > text.size()) {
      pieces.push_back({0, text.substr(i, 1)});
      ++i;
      continue;
    }
    uint32_t point = length == 1 ? c : c & (0xFF >> (length + 1));
    for (size_t k = 1; k < length; ++k) point = (point << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    pieces.push_back({point, text.substr(i, length)});
    i += length;
  }
  return pieces;
}

bool full_width_ascii(uint32_t p) { return p >= 0xFF01 && p <= 0xFF5E; }
bool space(uint32_t p) { return p == ' ' || p == 0x3000; }

bool cjk(uint32_t p) {
  return (p >= 0x2E80 && p <= 0x303F) ||  // radicals, CJK symbols and punctuation
         (p >= 0x3040 && p <= 0x30FF) ||  // hiragana, katakana
         (p >= 0x3400 && p <= 0x4DBF) || (p >= 0x4E00 && p <= 0x9FFF) || (p >= 0xF900 && p <= 0xFAFF) ||
         (p >= 0xAC00 && p <= 0xD7AF) ||  // hangul
         (p >= 0xFF61 && p <= 0xFF9F) ||  // half-width katakana
         (p >= 0x20000 && p <= 0x3FFFF);
}

// The nearest character from `i` in direction `step` that is neither a space nor a full-width
// form: true if it is CJK; false if it is not, or if there is none.
bool cjk_beside(const std::vector<Piece>& pieces, size_t i, int step) {
  for (auto k = static_cast<long>(i) + step; k >= 0 && k < static_cast<long>(pieces.size()); k += step) {
    const uint32_t p = pieces[static_cast<size_t>(k)].point;
    if (space(p) || full_width_ascii(p)) continue;
    return cjk(p);
  }
  return false;
}

}  // namespace

std::string latin_forms_outside_cjk(const std::string& text) {
  const std::vector<Piece> pieces = pieces_of(text);
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < pieces.size(); ++i) {
    const uint32_t p = pieces[i].point;
    if (full_width_ascii(p) && !cjk_beside(pieces, i, -1) && !cjk_beside(pieces, i, +1)) {
      out += static_cast<char>(p - 0xFEE0);
    } else {
      out += pieces[i].bytes;
    }
  }
  return out;
}

}  // namespace ocrserve
