#include "temp_files.hpp"

#include <stdlib.h>

#include <fstream>
#include <stdexcept>
#include <string>

namespace ocrserve::fuzz {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "ocrserve-fuzz-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("cannot create a directory like " + pattern);
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;  // a destructor must not throw; a leftover is only litter
  std::filesystem::remove_all(path_, ignored);
}

void write_file(const std::filesystem::path& file, std::string_view bytes) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error(file.string() + ": cannot write");
}

}  // namespace ocrserve::fuzz
