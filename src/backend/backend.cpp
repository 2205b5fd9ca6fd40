#include "backend/backend.hpp"

#include "backend/backend_module.hpp"
#include "core/registry.hpp"
#include "ocrserve/error.hpp"

namespace ocrserve {

using BackendRegistry = Registry<BackendFactory>;

BackendRegistration::BackendRegistration(const std::string& name, BackendFactory factory) {
  BackendRegistry::instance().add(name, std::move(factory));
}

std::unique_ptr<Backend> make_backend(const std::string& name, const std::filesystem::path& model,
                                      const BackendOptions& options) {
  const BackendFactory* factory = BackendRegistry::instance().find(name);
  if (!factory) {
    // A backend built as a module (torchscript): loaded now, the first time a package needs it.
    if (const BackendModuleInfo* module = find_backend_module(name)) {
      load_backend_module(*module);
      factory = BackendRegistry::instance().find(name);
    }
  }
  if (!factory) {
    throw Error(ErrorKind::unsupported, "unknown backend \"" + name + "\" (known: " +
                                            BackendRegistry::instance().joined_names() + ")");
  }
  return (*factory)(model, options);
}

std::vector<std::string> registered_backends() { return BackendRegistry::instance().names(); }

}  // namespace ocrserve
