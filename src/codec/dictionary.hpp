#pragma once
// The character set of a text recogniser: class index -> UTF-8 token.
//
// Built as MMOCR 1.x's `Dictionary` (mmocr/models/common/dictionary/dictionary.py) and
// mmdeploy 1.x's BaseConvertor build it: the characters of `dict_file` (one per line) or
// `dict_list`, then the special tokens appended in MMOCR's order —
//   start + end (or one shared start/end token), padding, unknown.
// In MMOCR the padding token doubles as the CTC blank.
//
// PaddleOCR models are laid out differently; two flags of ours describe them:
//   blank_first  the CTC blank is class 0 and the characters start at 1 (CTCLabelDecode);
//   with_space   " " is appended after the file's characters (use_space_char).
// Final order: [blank] characters [" "] [start/end] [padding] [unknown].
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "codec/codec.hpp"

namespace ocrserve {

class Dictionary {
 public:
  // Params (JSON object; the keys may also sit under a nested "dictionary" object, as in an
  // MMOCR postprocessor config):
  //   dict_file        path relative to context.package_dir; UTF-8, one token per line. A
  //                    trailing "\r" is stripped, empty lines are skipped, a line " " is the
  //                    space character, a longer line is one token (mmdeploy's reading).
  //   dict_list        inline array of tokens (used when there is no dict_file)
  //   with_start, with_end, same_start_end, with_padding, with_unknown   (false)
  //   start_token "<BOS>", end_token "<EOS>", start_end_token "<BOS/EOS>",
  //   padding_token "<PAD>", unknown_token "<UKN>" (null: no unknown token, as MMOCR)
  //   blank_first, with_space  (false; PaddleOCR layout, see above)
  // Errors: Error(not_found) naming the path of a missing dict_file; Error(bad_input) for an
  // empty dictionary, invalid UTF-8, or a malformed field.
  Dictionary(const Json& params, const CodecContext& context);

  size_t size() const { return tokens_.size(); }
  const std::string& token(size_t index) const { return tokens_.at(index); }

  // The CTC blank: class 0 with blank_first, else the padding token (MMOCR), else none.
  std::optional<size_t> blank_index() const { return blank_; }
  std::optional<size_t> start_index() const { return start_; }
  std::optional<size_t> end_index() const { return end_; }
  std::optional<size_t> padding_index() const { return padding_; }
  std::optional<size_t> unknown_index() const { return unknown_; }

  // The class of `token`; the last one when it occurs twice, as MMOCR's char2idx map.
  std::optional<size_t> index_of(const std::string& token) const;

 private:
  std::vector<std::string> tokens_;
  std::optional<size_t> blank_, start_, end_, padding_, unknown_;
};

}  // namespace ocrserve
