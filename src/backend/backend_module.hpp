#pragma once
// Backends built as separate shared libraries ("backend modules"), loaded with dlopen only when
// a package names them, so that the core never links their runtimes (libtorch for
// "torchscript"). A module exports one C symbol, kBackendModuleEntry, of type
// BackendModuleEntry: the core calls it once after loading the module, and the module adds its
// backends to the core's registry through the function it is given.
//
// The module and the core pass C++ objects (BackendFactory, Backend, Tensor, Error) across the
// boundary, so a module is only used by the ocrserve it was built with: the entry point checks
// the version and kBackendModuleAbi before adding anything.
#include <string>

#include "backend/backend.hpp"

namespace ocrserve {

// Raised whenever what crosses the boundary (backend.hpp, tensor.hpp, options.hpp) changes.
inline constexpr int kBackendModuleAbi = 1;

using BackendAdder = void (*)(const std::string& name, BackendFactory factory);

// Returns false, adding nothing, when the module was built for another version or ABI.
using BackendModuleEntry = bool (*)(const char* ocrserve_version, int abi, BackendAdder add);
inline constexpr const char* kBackendModuleEntry = "ocrserve_backend_module_register";

// The backends that live in modules, and the module each lives in. Only these names are ever
// looked up as modules (a package's deploy.json cannot make ocrserve load an arbitrary file).
struct BackendModuleInfo {
  const char* backend;   // deploy.json's models[0].backend
  const char* file;      // the shared library
  const char* runtime;   // what it needs, for messages: "libtorch"
  const char* install;   // how to get that, for messages
};
const BackendModuleInfo* find_backend_module(const std::string& backend);

// Loads the module of `backend` once per process and lets it register its backends. Throws
// Error(unsupported) naming what is missing when the module is not installed or cannot load;
// later calls for the same module repeat that error without trying again.
void load_backend_module(const BackendModuleInfo& module);

}  // namespace ocrserve
