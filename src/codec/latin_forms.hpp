#pragma once
// Chinese recognisers (PP-OCR's dictionary among them) know full-width punctuation and digits
// ("（", "：", "１") and use them in Latin text too, where a reader expects ASCII.
#include <cstdint>
#include <string>

namespace ocrserve {

// Each full-width ASCII form (U+FF01–U+FF5E) whose nearest other characters on both sides
// (white space and full-width forms skipped) are not CJK becomes its ASCII character; next to
// Chinese, Japanese or Korean text it stays. One character for one, so per-character scores
// keep their places.
std::string latin_forms_outside_cjk(const std::string& text);

// Chinese, Japanese and Korean characters and their punctuation.
bool is_cjk(uint32_t point);

}  // namespace ocrserve
