#include "ocrserve/default_models.hpp"

#include <dlfcn.h>

#include <cstdlib>

#include "ocrserve/error.hpp"

namespace ocrserve {

namespace {

bool holds_default_models(const std::filesystem::path& dir) {
  return std::filesystem::is_directory(dir / "ppocr-det");
}

// The executable or shared library this function was linked into: a program using
// libocrserve.so finds the models of the prefix the library was installed in.
std::filesystem::path this_binary() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&holds_default_models), &info) == 0 || !info.dli_fname) return {};
  std::error_code error;
  auto path = std::filesystem::canonical(info.dli_fname, error);
  return error ? std::filesystem::path() : path;
}

}  // namespace

std::filesystem::path default_models_dir() {
  if (const char* env = std::getenv("OCRSERVE_MODELS"); env && *env) {
    if (holds_default_models(env)) return env;
    throw Error(ErrorKind::not_found, std::string("OCRSERVE_MODELS=") + env +
                                          " holds no ppocr-det package (the default models setup.sh makes)");
  }
  const std::filesystem::path binary = this_binary();
  for (auto dir = binary.parent_path(); !dir.empty() && dir != dir.root_path(); dir = dir.parent_path()) {
    if (holds_default_models(dir / "models")) return dir / "models";
    if (holds_default_models(dir / "share/ocrserve/models")) return dir / "share/ocrserve/models";
  }
  if (holds_default_models("models")) return "models";
  throw Error(ErrorKind::not_found,
              "the default models are not installed: no models/ppocr-det or share/ocrserve/models/ppocr-det "
              "above " + (binary.empty() ? std::string("this program") : binary.parent_path().string()) +
                  " and no ./models. Run ./setup.sh, set OCRSERVE_MODELS to the folder holding ppocr-det, "
                  "ppocr-rec and ppocr-cls, or name the models to use (--model, --models)");
}

std::filesystem::path default_package(const std::string& name, Precision precision) {
  return default_models_dir() / (precision == Precision::int8 ? name + "-int8" : name);
}

std::filesystem::path package_path(const std::filesystem::path& path_or_name) {
  std::error_code error;
  if (path_or_name.empty() || std::filesystem::exists(path_or_name, error) || path_or_name.has_parent_path() ||
      path_or_name.filename() == "." || path_or_name.filename() == "..") {
    return path_or_name;
  }
  try {
    const std::filesystem::path named = default_models_dir() / path_or_name;
    return std::filesystem::is_directory(named, error) ? named : path_or_name;
  } catch (const Error&) {
    return path_or_name;  // no default models: the path's own "not found" says more
  }
}

}  // namespace ocrserve
