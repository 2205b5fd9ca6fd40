#include "core/json_file.hpp"

#include <fstream>
#include <sstream>

#include "ocrserve/error.hpp"

namespace ocrserve {

Json read_json_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw Error(ErrorKind::not_found, path.string() + ": file not found or not readable");
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  try {
    return Json::parse(buffer.str());
  } catch (const Json::parse_error& e) {
    throw Error(ErrorKind::bad_input, path.string() + ": malformed JSON: " + e.what());
  }
}

}  // namespace ocrserve
