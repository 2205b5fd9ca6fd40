#include <unistd.h>

#include <cstdlib>

#include "cli/commands.hpp"

namespace ocrserve {

std::filesystem::path default_models_dir() {
  if (const char* env = std::getenv("OCRSERVE_MODELS"); env && *env) return env;
  std::error_code error;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", error);
  if (!error) {
    for (auto dir = exe.parent_path(); !dir.empty() && dir != dir.root_path(); dir = dir.parent_path()) {
      if (std::filesystem::is_directory(dir / "models" / "ppocr-det")) return dir / "models";
    }
  }
  return "models";
}

}  // namespace ocrserve
