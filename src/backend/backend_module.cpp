// Loading backend modules (see backend_module.hpp): where they are looked for, and how they
// register. Modules are opened once and never closed: their code runs every Backend they make.
#include "backend/backend_module.hpp"

#include <dlfcn.h>
#include <link.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <vector>


#include "core/registry.hpp"
#include "ocrserve/error.hpp"
#include "ocrserve/version.hpp"

#ifndef OCRSERVE_MODULE_DIR_FROM_BINDIR
#define OCRSERVE_MODULE_DIR_FROM_BINDIR "../lib/ocrserve"
#endif

namespace ocrserve {
namespace {

namespace fs = std::filesystem;

constexpr BackendModuleInfo kModules[] = {
    {"torchscript", "libocrserve_torchscript.so", "libtorch", "Debian: apt-get install libtorch-dev"},
};

// The folder of the file this code was linked into: libocrserve.so for the SDK and the Python
// package, the executable for ocrserve and the tests.
fs::path this_object_dir() {
  Dl_info info{};
  link_map* map = nullptr;
  if (dladdr1(reinterpret_cast<void*>(&this_object_dir), &info, reinterpret_cast<void**>(&map), RTLD_DL_LINKMAP) &&
      map && map->l_name && map->l_name[0] != '\0') {
    std::error_code error;
    const fs::path path = fs::weakly_canonical(map->l_name, error);
    return (error ? fs::path(map->l_name) : path).parent_path();
  }
  // The main program's link map has no name.
  std::error_code error;
  const fs::path exe = fs::read_symlink("/proc/self/exe", error);
  return error ? fs::path() : exe.parent_path();
}

// Beside the code (the build tree; an installed libocrserve.so's lib/ocrserve/), then an
// installed command's PREFIX/lib/ocrserve/.
std::vector<fs::path> module_candidates(const char* file) {
  const fs::path dir = this_object_dir();
  if (dir.empty()) return {};
  std::vector<fs::path> candidates;
  for (const fs::path& candidate : {dir / file, dir / "ocrserve" / file, dir / OCRSERVE_MODULE_DIR_FROM_BINDIR / file}) {
    const fs::path normal = candidate.lexically_normal();
    if (std::find(candidates.begin(), candidates.end(), normal) == candidates.end()) candidates.push_back(normal);
  }
  return candidates;
}

void add_to_registry(const std::string& name, BackendFactory factory) {
  BackendRegistration registration(name, std::move(factory));
}

// Opens the module; the message of what went wrong otherwise.
std::optional<std::string> open_module(const BackendModuleInfo& module) {
  std::string looked_in;
  void* handle = nullptr;
  for (const fs::path& candidate : module_candidates(module.file)) {
    looked_in += (looked_in.empty() ? "" : ", ") + candidate.string();
    std::error_code error;
    if (!fs::is_regular_file(candidate, error)) continue;
    handle = dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      return candidate.string() + " is there but cannot be loaded (is " + module.runtime +
             " installed?): " + dlerror();
    }
    break;
  }
  if (!handle) {
    // Last, the dynamic linker's own search: LD_LIBRARY_PATH, the caller's RUNPATH, the system.
    handle = dlopen(module.file, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const std::string why = dlerror();
      // The dynamic linker names the file it could not open first: the module, or a library it needs.
      if (why.rfind(std::string(module.file) + ":", 0) != 0) {
        return std::string(module.file) + " cannot be loaded (is " + module.runtime + " installed?): " + why;
      }
      return std::string("its module ") + module.file + " is not installed (looked in " + looked_in +
             " and the library path): this ocrserve was built without " + module.runtime +
             ", or installed without the module. Install " + module.runtime + " (" + module.install +
             "), then rebuild and reinstall ocrserve; or convert the model for onnxruntime. See docs/models.md";
    }
  }
  const auto entry = reinterpret_cast<BackendModuleEntry>(dlsym(handle, kBackendModuleEntry));
  if (!entry) {
    return std::string(module.file) + " is not an ocrserve backend module (no " + kBackendModuleEntry + ")";
  }
  if (!entry(OCRSERVE_VERSION_STRING, kBackendModuleAbi, &add_to_registry)) {
    return std::string(module.file) + " was built for another version of ocrserve than " OCRSERVE_VERSION_STRING
                                      "; install the module built with this ocrserve";
  }
  return std::nullopt;
}

}  // namespace

const BackendModuleInfo* find_backend_module(const std::string& backend) {
  for (const auto& module : kModules) {
    if (backend == module.backend) return &module;
  }
  return nullptr;
}

void load_backend_module(const BackendModuleInfo& module) {
  static std::mutex mutex;
  static std::map<std::string, std::optional<std::string>> outcomes;  // file → failure, if any
  std::lock_guard lock(mutex);
  auto found = outcomes.find(module.file);
  if (found == outcomes.end()) found = outcomes.emplace(module.file, open_module(module)).first;
  if (found->second) {
    throw Error(ErrorKind::unsupported, "backend \"" + std::string(module.backend) + "\": " + *found->second);
  }
}

}  // namespace ocrserve
