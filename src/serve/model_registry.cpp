#include "serve/model_registry.hpp"

namespace ocrserve {

ServedModel::~ServedModel() {
  runner.reset();  // workers stop before their files go
  if (!extracted_dir.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(extracted_dir, ignored);
  }
}

std::shared_ptr<ServedModel> ModelRegistry::find(const std::string& name, const std::string& version) const {
  std::lock_guard lock(mutex_);
  auto it = models_.find(name);
  if (it == models_.end()) throw Error(ErrorKind::not_found, "Model not found: " + name);
  const std::string wanted = version.empty() ? it->second.default_version : version;
  auto found = it->second.by_version.find(wanted);
  if (found == it->second.by_version.end()) {
    throw VersionNotFoundError("Model version: " + version + " does not exist for model: " + name);
  }
  return found->second;
}

std::vector<std::shared_ptr<ServedModel>> ModelRegistry::versions(const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = models_.find(name);
  if (it == models_.end()) throw Error(ErrorKind::not_found, "Model not found: " + name);
  std::vector<std::shared_ptr<ServedModel>> result = {it->second.by_version.at(it->second.default_version)};
  for (const auto& [version, model] : it->second.by_version) {
    if (version != it->second.default_version) result.push_back(model);
  }
  return result;
}

std::vector<std::shared_ptr<ServedModel>> ModelRegistry::defaults() const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<ServedModel>> result;
  for (const auto& [name, versions] : models_) result.push_back(versions.by_version.at(versions.default_version));
  return result;
}

std::vector<std::shared_ptr<ServedModel>> ModelRegistry::all() const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<ServedModel>> result;
  for (const auto& [name, versions] : models_) {
    for (const auto& [version, model] : versions.by_version) result.push_back(model);
  }
  return result;
}

void ModelRegistry::add(std::shared_ptr<ServedModel> model) {
  std::lock_guard lock(mutex_);
  Versions& versions = models_[model->name];
  if (versions.by_version.count(model->version)) {
    throw ConflictError("Model version " + model->version + " is already registered for model " + model->name);
  }
  if (versions.by_version.empty()) versions.default_version = model->version;
  versions.by_version[model->version] = std::move(model);
}

std::shared_ptr<ServedModel> ModelRegistry::remove(const std::string& name, const std::string& version) {
  std::lock_guard lock(mutex_);
  auto it = models_.find(name);
  if (it == models_.end()) throw Error(ErrorKind::not_found, "Model not found: " + name);
  Versions& versions = it->second;
  const std::string target = version.empty() ? versions.default_version : version;
  auto found = versions.by_version.find(target);
  if (found == versions.by_version.end()) {
    throw VersionNotFoundError("Model version: " + version + " does not exist for model: " + name);
  }
  if (target == versions.default_version && versions.by_version.size() > 1) {
    throw ConflictError("Cannot remove default version for model " + name);
  }
  auto model = found->second;
  versions.by_version.erase(found);
  if (versions.by_version.empty()) models_.erase(it);
  return model;
}

void ModelRegistry::set_default(const std::string& name, const std::string& version) {
  std::lock_guard lock(mutex_);
  auto it = models_.find(name);
  if (it == models_.end()) throw Error(ErrorKind::not_found, "Model not found: " + name);
  if (!it->second.by_version.count(version)) {
    // TorchServe words this one without the colons of its other version errors.
    throw VersionNotFoundError("Model version " + version + " does not exist for model " + name);
  }
  it->second.default_version = version;
}

std::string ModelRegistry::default_version(const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = models_.find(name);
  return it == models_.end() ? "" : it->second.default_version;
}

}  // namespace ocrserve
