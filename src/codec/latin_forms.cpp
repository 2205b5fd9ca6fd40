#include "codec/latin_forms.hpp"

#include <cstdint>
#include <vector>

#include "core/utf8.hpp"

namespace ocrserve {

bool is_cjk(uint32_t p) {
  return (p >= 0x2E80 && p <= 0x303F) ||  // radicals, CJK symbols and punctuation
         (p >= 0x3040 && p <= 0x30FF) ||  // hiragana, katakana
         (p >= 0x3400 && p <= 0x4DBF) || (p >= 0x4E00 && p <= 0x9FFF) || (p >= 0xF900 && p <= 0xFAFF) ||
         (p >= 0xAC00 && p <= 0xD7AF) ||  // hangul
         (p >= 0xFF61 && p <= 0xFF9F) ||  // half-width katakana
         (p >= 0x20000 && p <= 0x3FFFF);
}

namespace {

bool full_width_ascii(uint32_t p) { return p >= 0xFF01 && p <= 0xFF5E; }
bool space(uint32_t p) { return p == ' ' || p == 0x3000; }

// The nearest character from `i` in direction `step` that is neither a space nor a full-width
// form: true if it is CJK; false if it is not, or if there is none.
bool cjk_beside(const std::vector<Utf8Char>& chars, size_t i, int step) {
  for (auto k = static_cast<long>(i) + step; k >= 0 && k < static_cast<long>(chars.size()); k += step) {
    const uint32_t p = chars[static_cast<size_t>(k)].point;
    if (space(p) || full_width_ascii(p)) continue;
    return is_cjk(p);
  }
  return false;
}

}  // namespace

std::string latin_forms_outside_cjk(const std::string& text) {
  const std::vector<Utf8Char> chars = utf8_chars(text);
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < chars.size(); ++i) {
    const uint32_t p = chars[i].point;
    if (full_width_ascii(p) && !cjk_beside(chars, i, -1) && !cjk_beside(chars, i, +1)) {
      out += static_cast<char>(p - 0xFEE0);
    } else {
      out.append(text, chars[i].offset, chars[i].length);  // as given, invalid bytes included
    }
  }
  return out;
}

}  // namespace ocrserve
