#include "codec/dictionary.hpp"

#include <fstream>

#include "ocrserve/error.hpp"

namespace ocrserve {
namespace {

std::vector<std::string> read_characters(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorKind::not_found, path.string() + ": dictionary file not found");
  std::vector<std::string> characters;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) characters.push_back(line);  // MMOCR skips empty lines; " " is a character
  }
  return characters;
}

}  // namespace

Dictionary::Dictionary(const Json& params, const CodecContext& context) {
  const std::string& where = context.where;
  if (params.contains("dict_list")) {
    tokens_ = required_field<std::vector<std::string>>(params, "dict_list", where);
  } else if (params.contains("dict_file")) {
    tokens_ = read_characters(context.package_dir / required_field<std::string>(params, "dict_file", where));
  } else {
    throw Error(ErrorKind::bad_input, where + ": needs \"dict_file\" or \"dict_list\"");
  }
  if (tokens_.empty()) throw Error(ErrorKind::bad_input, where + ": the dictionary is empty");

  if (optional_field<bool>(params, "blank_first", false, where)) {
    tokens_.insert(tokens_.begin(), "");
    blank_ = 0;
  }
  if (optional_field<bool>(params, "with_space", false, where)) tokens_.push_back(" ");

  const bool with_start = optional_field<bool>(params, "with_start", false, where);
  const bool with_end = optional_field<bool>(params, "with_end", false, where);
  if (with_start && with_end && optional_field<bool>(params, "same_start_end", false, where)) {
    tokens_.push_back(optional_field<std::string>(params, "start_end_token", "<BOS/EOS>", where));
    start_ = end_ = tokens_.size() - 1;
  } else {
    if (with_start) {
      tokens_.push_back(optional_field<std::string>(params, "start_token", "<BOS>", where));
      start_ = tokens_.size() - 1;
    }
    if (with_end) {
      tokens_.push_back(optional_field<std::string>(params, "end_token", "<EOS>", where));
      end_ = tokens_.size() - 1;
    }
  }
  if (optional_field<bool>(params, "with_padding", false, where)) {
    tokens_.push_back(optional_field<std::string>(params, "padding_token", "<PAD>", where));
    padding_ = tokens_.size() - 1;
  }
  if (optional_field<bool>(params, "with_unknown", false, where)) {
    tokens_.push_back(optional_field<std::string>(params, "unknown_token", "<UKN>", where));
    unknown_ = tokens_.size() - 1;
  }
}

}  // namespace ocrserve
