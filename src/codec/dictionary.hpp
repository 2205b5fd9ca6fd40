#pragma once
// The character set of a recogniser, built like MMOCR 1.x's Dictionary: the characters of a
// file (one per line) or an inline list, then the special tokens in MMOCR's order —
// start/end (or one shared start-end), padding, unknown. PaddleOCR-style models instead put
// the CTC blank first and may append a space (blank_first, with_space).
#include <optional>
#include <string>
#include <vector>

#include "codec/codec.hpp"

namespace ocrserve {

class Dictionary {
 public:
  // Params: dict_file (relative to the package) or dict_list; with_start, with_end,
  // same_start_end, with_padding, with_unknown (MMOCR); blank_first, with_space (PaddleOCR).
  Dictionary(const Json& params, const CodecContext& context);

  size_t size() const { return tokens_.size(); }
  const std::string& token(size_t index) const { return tokens_.at(index); }
  std::optional<size_t> start_index() const { return start_; }
  std::optional<size_t> end_index() const { return end_; }
  std::optional<size_t> padding_index() const { return padding_; }
  std::optional<size_t> unknown_index() const { return unknown_; }
  std::optional<size_t> blank_index() const { return blank_; }  // PaddleOCR's leading blank

 private:
  std::vector<std::string> tokens_;
  std::optional<size_t> start_, end_, padding_, unknown_, blank_;
};

}  // namespace ocrserve
