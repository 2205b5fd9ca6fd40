#pragma once
// A folder of its own under the system's temporary folder, removed with the object.
#include <unistd.h>

#include <filesystem>
#include <string>

#include "ocrserve/error.hpp"

namespace ocrserve {

class ScratchDir {
 public:
  // `prefix` names the folder (PREFIX-XXXXXX) for whoever finds one left by a killed process.
  explicit ScratchDir(const std::string& prefix) {
    std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (!mkdtemp(pattern.data())) throw Error(ErrorKind::internal, "cannot make a temporary folder");
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace ocrserve
