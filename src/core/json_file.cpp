#include "core/json_file.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "ocrserve/error.hpp"

namespace ocrserve {

namespace {

// The deepest nesting of arrays and objects, brackets inside strings not counted. Stops
// counting once past `limit`.
size_t nesting_depth(std::string_view text, size_t limit) {
  size_t depth = 0, deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size() && deepest <= limit; ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

}  // namespace

Json parse_json(std::string_view text, const std::string& what) {
  if (nesting_depth(text, kMaxJsonDepth) > kMaxJsonDepth) {
    throw Error(ErrorKind::bad_input, what + ": malformed JSON: nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }
  try {
    return Json::parse(text);
  } catch (const Json::exception& e) {  // parse errors, and numbers out of range (1e999)
    throw Error(ErrorKind::bad_input, what + ": malformed JSON: " + e.what());
  }
}

Json read_json_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw Error(ErrorKind::not_found, path.string() + ": file not found or not readable");
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parse_json(buffer.str(), path.string());
}

void write_json_file(const std::filesystem::path& path, const Json& json) {
  std::ofstream out(path);
  out << json.dump(4) << "\n";
  if (!out.flush()) throw Error(ErrorKind::bad_input, path.string() + ": cannot write");
}

}  // namespace ocrserve
