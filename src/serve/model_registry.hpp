#pragma once
// The served models: name → versions → a ModelRunner, with one default version per name.
#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "serve/model_runner.hpp"

namespace ocrserve {

struct ServedModel {
  std::string name;
  std::string version = "1.0";
  std::string url;                       // what it was registered from (.mar name, directory)
  std::filesystem::path extracted_dir;   // removed when the model is unregistered
  std::filesystem::path fetched_archive; // copied into the store from a URL; removed on unregister
  size_t min_workers = 1;
  size_t max_workers = 1;
  bool loaded_at_startup = false;
  std::unique_ptr<ModelRunner> runner;

  ~ServedModel();
};

class ModelRegistry {
 public:
  // Error(not_found) "Model not found: NAME" / "Model version: V does not exist for model: NAME".
  std::shared_ptr<ServedModel> find(const std::string& name, const std::string& version = "") const;
  // All versions of a model (default first); Error(not_found) for an unknown name.
  std::vector<std::shared_ptr<ServedModel>> versions(const std::string& name) const;
  // Default versions of every model, sorted by name.
  std::vector<std::shared_ptr<ServedModel>> defaults() const;
  std::vector<std::shared_ptr<ServedModel>> all() const;

  // Error(bad_input, "…already registered…") when name and version exist. The first version of a
  // name becomes its default.
  void add(std::shared_ptr<ServedModel> model);
  // Removes a version (the default when empty). Removing the default while others remain is refused.
  std::shared_ptr<ServedModel> remove(const std::string& name, const std::string& version);
  void set_default(const std::string& name, const std::string& version);
  std::string default_version(const std::string& name) const;

 private:
  struct Versions {
    std::map<std::string, std::shared_ptr<ServedModel>> by_version;
    std::string default_version;
  };
  mutable std::mutex mutex_;
  std::map<std::string, Versions> models_;
};

// Conflict between a registration and what is already there (HTTP 409).
class ConflictError : public Error {
 public:
  explicit ConflictError(const std::string& message) : Error(ErrorKind::bad_input, message) {}
};
// A version lookup that failed while the model exists (TorchServe's ModelVersionNotFoundException).
class VersionNotFoundError : public Error {
 public:
  explicit VersionNotFoundError(const std::string& message) : Error(ErrorKind::not_found, message) {}
};

}  // namespace ocrserve
