#include <cstdlib>

#include "cli/commands.hpp"
#include "ocrserve/error.hpp"

namespace ocrserve {

namespace {

bool holds_default_models(const std::filesystem::path& dir) {
  return std::filesystem::is_directory(dir / "ppocr-det");
}

}  // namespace

std::filesystem::path default_models_dir() {
  if (const char* env = std::getenv("OCRSERVE_MODELS"); env && *env) {
    if (holds_default_models(env)) return env;
    throw Error(ErrorKind::not_found, std::string("OCRSERVE_MODELS=") + env +
                                          " holds no ppocr-det package (the default models setup.sh makes)");
  }
  std::error_code error;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", error);
  if (!error) {
    for (auto dir = exe.parent_path(); !dir.empty() && dir != dir.root_path(); dir = dir.parent_path()) {
      if (holds_default_models(dir / "models")) return dir / "models";
    }
  }
  if (holds_default_models("models")) return "models";
  throw Error(ErrorKind::not_found,
              "the default models are not installed: no models/ppocr-det beside " +
                  (error ? std::string("this executable") : exe.parent_path().string()) +
                  ", its parent folders or the current folder. Run ./setup.sh, set OCRSERVE_MODELS to the folder "
                  "holding ppocr-det, ppocr-rec and ppocr-cls, or name the models to use (--model, --models)");
}

}  // namespace ocrserve
