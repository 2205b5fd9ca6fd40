#pragma once
// UTF-8 text as characters, for the places that compare or rewrite text per character
// (evaluation metrics, recogniser output).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ocrserve {

struct Utf8Char {
  uint32_t point;  // the code point; U+FFFD for a byte that does not start a valid sequence
  size_t offset;   // where its bytes start in the text
  size_t length;   // how many bytes (1 for an invalid byte)
};

std::vector<Utf8Char> utf8_chars(const std::string& text);
std::vector<uint32_t> code_points(const std::string& text);
void append_utf8(std::string& out, uint32_t point);

}  // namespace ocrserve
