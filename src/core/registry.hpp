#pragma once
// A name → factory table filled by static registration objects. One per kind of thing
// (transforms, codecs, backends): adding a family is adding a file, never an if-branch.
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace ocrserve {

template <typename Factory>
class Registry {
 public:
  static Registry& instance() {
    static Registry registry;
    return registry;
  }
  void add(const std::string& name, Factory factory) {
    std::lock_guard lock(mutex_);
    factories_[name] = std::move(factory);
  }
  const Factory* find(const std::string& name) const {
    std::lock_guard lock(mutex_);
    auto it = factories_.find(name);
    return it == factories_.end() ? nullptr : &it->second;
  }
  std::vector<std::string> names() const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> result;
    for (const auto& [name, _] : factories_) result.push_back(name);
    return result;
  }
  // "A, B, C" for error messages.
  std::string joined_names() const {
    std::string joined;
    for (const auto& name : names()) joined += (joined.empty() ? "" : ", ") + name;
    return joined;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, Factory> factories_;
};

}  // namespace ocrserve
