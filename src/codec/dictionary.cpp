#include "codec/dictionary.hpp"

#include <fstream>
#include <iterator>
#include <sstream>
#include <system_error>

#include "core/package_path.hpp"
#include "ocrserve/error.hpp"

namespace ocrserve {
namespace {

// Length of the UTF-8 sequence starting at s[i], or 0 if it is not a valid one (overlong
// forms, surrogates and code points above U+10FFFF included). Tokens end up in JSON answers,
// and the JSON writer refuses invalid UTF-8, so a bad dictionary must fail at load time.
size_t utf8_sequence_length(const std::string& s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const auto continuation = [&](size_t k) { return k < s.size() && (byte(k) & 0xC0) == 0x80; };
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) return 1;
  if (b0 >= 0xC2 && b0 <= 0xDF) return continuation(i + 1) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (!continuation(i + 1) || !continuation(i + 2)) return 0;
    const unsigned char b1 = byte(i + 1);
    if (b0 == 0xE0 && b1 < 0xA0) return 0;  // overlong
    if (b0 == 0xED && b1 > 0x9F) return 0;  // UTF-16 surrogate
    return 3;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (!continuation(i + 1) || !continuation(i + 2) || !continuation(i + 3)) return 0;
    const unsigned char b1 = byte(i + 1);
    if (b0 == 0xF0 && b1 < 0x90) return 0;  // overlong
    if (b0 == 0xF4 && b1 > 0x8F) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

bool valid_utf8(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    const size_t n = utf8_sequence_length(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

// MMOCR reads the file line by line, strips "\r\n" and skips empty lines; a line holding a
// single space is the space character. MMOCR refuses a line of several characters, mmdeploy's
// SDK keeps it as one token; we keep it, so a package mmdeploy accepts loads here too.
std::vector<std::string> read_dict_file(const std::filesystem::path& path, const std::string& where) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    throw Error(ErrorKind::not_found, where + ": dictionary file not found: " + path.string());
  }
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw Error(ErrorKind::bad_input, where + ": dictionary is not a regular file: " + path.string());
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorKind::not_found, where + ": cannot open dictionary file: " + path.string());
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error(ErrorKind::internal, where + ": error reading dictionary file: " + path.string());

  // A UTF-8 byte-order mark is not a character (Python's plain "utf-8" codec would keep it).
  if (content.rfind("\xEF\xBB\xBF", 0) == 0) content.erase(0, 3);

  std::vector<std::string> tokens;
  std::istringstream lines(content);
  std::string line;
  size_t line_number = 0;
  while (std::getline(lines, line)) {
    ++line_number;
    while (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    if (!valid_utf8(line)) {
      throw Error(ErrorKind::bad_input, where + ": " + path.string() + ": line " + std::to_string(line_number) +
                                            " is not valid UTF-8");
    }
    tokens.push_back(std::move(line));
  }
  return tokens;
}

// MMOCR configs nest the dictionary in the postprocessor ("dictionary": {...}); mmdeploy
// writes its fields straight into the params.
const Json& dictionary_params(const Json& params) {
  if (params.is_object()) {
    const auto it = params.find("dictionary");
    if (it != params.end() && it->is_object()) return *it;
  }
  return params;
}

}  // namespace

Dictionary::Dictionary(const Json& all_params, const CodecContext& context) {
  const Json& params = dictionary_params(all_params);
  const std::string& where = context.where;
  if (!params.is_object()) throw Error(ErrorKind::bad_input, where + ": params must be an object");

  // The order of the checks is mmdeploy's: dict_file wins over dict_list.
  if (params.contains("dict_file")) {
    const auto file = required_field<std::string>(params, "dict_file", where);
    tokens_ = read_dict_file(path_inside(context.package_dir, file, where + ": dict_file"), where);
  } else if (params.contains("dict_list")) {
    tokens_ = required_field<std::vector<std::string>>(params, "dict_list", where);
    for (size_t i = 0; i < tokens_.size(); ++i) {
      if (!valid_utf8(tokens_[i])) {
        throw Error(ErrorKind::bad_input, where + ": dict_list[" + std::to_string(i) + "] is not valid UTF-8");
      }
    }
  } else {
    throw Error(ErrorKind::bad_input, where + ": the dictionary needs \"dict_file\" or \"dict_list\"");
  }
  if (tokens_.empty()) throw Error(ErrorKind::bad_input, where + ": the dictionary has no characters");

  const auto flag = [&](const char* key) { return optional_field<bool>(params, key, false, where); };
  const auto text = [&](const char* key, const char* fallback) {
    return optional_field<std::string>(params, key, fallback, where);
  };
  const auto append = [&](std::string token) {
    tokens_.push_back(std::move(token));
    return tokens_.size() - 1;
  };

  // PaddleOCR layout: blank, characters, optional space.
  if (flag("blank_first")) {
    tokens_.insert(tokens_.begin(), "<BLK>");
    blank_ = 0;
  }
  if (flag("with_space")) append(" ");

  // MMOCR's Dictionary._update_dict, in its order.
  const bool with_start = flag("with_start");
  const bool with_end = flag("with_end");
  if (with_start && with_end && flag("same_start_end")) {
    start_ = end_ = append(text("start_end_token", "<BOS/EOS>"));
  } else {
    if (with_start) start_ = append(text("start_token", "<BOS>"));
    if (with_end) end_ = append(text("end_token", "<EOS>"));
  }
  if (flag("with_padding")) padding_ = append(text("padding_token", "<PAD>"));
  // MMOCR: an unknown_token of None means "map unknown characters to nothing", no class.
  const bool unknown_is_null = params.contains("unknown_token") && params.at("unknown_token").is_null();
  if (flag("with_unknown") && !unknown_is_null) unknown_ = append(text("unknown_token", "<UKN>"));

  if (!blank_) blank_ = padding_;
}

std::optional<size_t> Dictionary::index_of(const std::string& token) const {
  for (size_t i = tokens_.size(); i-- > 0;) {
    if (tokens_[i] == token) return i;
  }
  return std::nullopt;
}

}  // namespace ocrserve
