#pragma once
// Files for the code under test that reads paths, not bytes: a private directory per input,
// removed with its content when the input is done, so a long run leaves nothing behind.
#include <filesystem>
#include <string_view>

namespace ocrserve::fuzz {

class TempDir {
 public:
  TempDir();  // a fresh directory under the system temp folder
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Writes `bytes` to `file`, replacing it; throws std::runtime_error if it cannot (that is
// the machine's fault, not the input's, and should stop the run).
void write_file(const std::filesystem::path& file, std::string_view bytes);

}  // namespace ocrserve::fuzz
