#include "backend/session_cache.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
#include <string_view>
#include <unordered_map>


namespace ocrserve {
namespace {

namespace fs = std::filesystem;

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

// The CPU's model and feature flags: an entry saved on one CPU must not be used on another.
const std::string& cpu_identity() {
  static const std::string identity = [] {
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line, model, flags;
    while (std::getline(cpuinfo, line) && (model.empty() || flags.empty())) {
      if (model.empty() && line.rfind("model name", 0) == 0) model = line;
      if (flags.empty() && line.rfind("flags", 0) == 0) flags = line;
    }
    return model + "\n" + flags;
  }();
  return identity;
}

// Hashes the file through a read-only mapping: no copy of a model that may be hundreds of MB.
// Empty when the file cannot be mapped (loading it will say why).
std::optional<size_t> file_hash(const fs::path& file) {
  const int fd = open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct stat info {};
  const bool mappable = fstat(fd, &info) == 0 && info.st_size > 0;
  const size_t size = mappable ? static_cast<size_t>(info.st_size) : 0;
  void* bytes = mappable ? mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
  close(fd);
  if (bytes == MAP_FAILED) return std::nullopt;
  const size_t hash = std::hash<std::string_view>{}(std::string_view(static_cast<const char*>(bytes), size));
  munmap(bytes, size);
  return hash;
}

// The same file is hashed once per process: the workers of a model, and models that share a
// network (det and ocr/det), all look up its entry. A file replaced since has another identity.
std::optional<size_t> remembered_file_hash(const fs::path& file) {
  struct stat info {};
  if (stat(file.c_str(), &info) != 0) return std::nullopt;
  const std::string identity = std::to_string(info.st_dev) + ":" + std::to_string(info.st_ino) + ":" +
                               std::to_string(info.st_size) + ":" + std::to_string(info.st_mtim.tv_sec) + "." +
                               std::to_string(info.st_mtim.tv_nsec);
  static std::mutex mutex;
  static std::unordered_map<std::string, size_t> known;
  {
    std::lock_guard lock(mutex);
    if (const auto found = known.find(identity); found != known.end()) return found->second;
  }
  const std::optional<size_t> hash = file_hash(file);
  if (hash) {
    std::lock_guard lock(mutex);
    known.emplace(identity, *hash);
  }
  return hash;
}

}  // namespace

fs::path default_session_cache_dir() {
  if (const char* chosen = std::getenv("OCRSERVE_CACHE_DIR")) {
    const std::string dir = chosen;
    return dir.empty() || dir == "off" ? fs::path() : fs::path(dir);
  }
  if (!env("XDG_CACHE_HOME").empty()) return fs::path(env("XDG_CACHE_HOME")) / "ocrserve";
  if (!env("HOME").empty()) return fs::path(env("HOME")) / ".cache" / "ocrserve";
  return {};
}

fs::path session_cache_entry(const fs::path& dir, const fs::path& model, const std::string& runtime) {
  const std::optional<size_t> model_hash = remembered_file_hash(model);
  if (!model_hash) return {};
  const size_t key = *model_hash ^ (std::hash<std::string>{}(runtime + "\n" + cpu_identity()) * 0x9E3779B97F4A7C15ull);
  char name[32];
  std::snprintf(name, sizeof name, "%016zx.ort", key);
  return dir / name;
}

fs::path session_cache_staging(const fs::path& entry) {
  static std::atomic<unsigned> counter{0};
  return fs::path(entry.string() + ".tmp-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
}

bool publish_session_cache_entry(const fs::path& staging, const fs::path& entry) {
  std::error_code error;
  fs::rename(staging, entry, error);
  if (!error) return true;
  fs::remove(staging, error);
  return false;
}

}  // namespace ocrserve
