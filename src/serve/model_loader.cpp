#include "serve/model_loader.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include <random>
#include <regex>

#include "backend/session_cache.hpp"
#include "model/archive.hpp"
#include "model/model_package.hpp"
#include "serve/archive_fetch.hpp"

namespace ocrserve {
namespace {

namespace fs = std::filesystem;

bool allowed(const std::string& url, const std::vector<std::string>& patterns) {
  for (const auto& pattern : patterns) {
    try {
      if (std::regex_match(url, std::regex(pattern, std::regex::icase))) return true;
    } catch (const std::regex_error&) {
      // A malformed pattern allows nothing.
    }
  }
  return false;
}

// Where `url` points, after the checks that keep registration inside what the operator allowed
// (TorchServe's order: `..` first, then allowed_urls, then the fetch). `fetched` is set when a
// URL's archive was copied into the store for this registration.
fs::path resolve(const std::string& url, const ServerConfig& config, fs::path& fetched) {
  // Checked first: allowed_urls are std::regex patterns, whose matcher recurses once per character.
  if (url.size() > kMaxUrlLength) {
    throw Error(ErrorKind::bad_input, "url of " + std::to_string(url.size()) + " characters is longer than the limit of " +
                                          std::to_string(kMaxUrlLength));
  }
  if (url.find("..") != std::string::npos) throw Error(ErrorKind::not_found, "Relative path is not allowed in url: " + url);
  if (url.find('\0') != std::string::npos) throw Error(ErrorKind::not_found, "Model not found in model store: " + url);
  const bool absolute_path = !url.empty() && url.front() == '/';
  const size_t scheme = url.find("://");
  if (scheme != std::string::npos || absolute_path) {
    // An absolute folder is allowed as its file:// URL would be (TorchServe takes such folders
    // without any check).
    const std::string as_url = absolute_path ? "file://" + url : url;
    if (!allowed(as_url, config.allowed_urls)) {
      throw Error(ErrorKind::not_found, "Given URL " + url + " does not match any allowed URL(s)");
    }
    if (absolute_path) {
      if (!fs::is_directory(url)) throw Error(ErrorKind::not_found, "Model not found in model store: " + url);
      return fs::path(url);
    }
    // A package folder (file://) is served where it is; so is an archive when there is no store
    // to copy it into (start-up models); anything else is fetched into the store, as TorchServe does.
    if (url.rfind("file://", 0) == 0) {
      const fs::path local = url.substr(7);
      if (fs::is_directory(local) || (config.model_store.empty() && fs::is_regular_file(local))) return local;
    }
    if (config.model_store.empty()) throw Error(ErrorKind::not_found, "Model store has not been configured.");
    fetched = fetch_into_store(url, config.model_store);
    return fetched;
  }
  if (config.model_store.empty()) throw Error(ErrorKind::not_found, "Model store has not been configured.");
  if (url.empty() || url.find('/') != std::string::npos || url.find('\\') != std::string::npos) {
    throw Error(ErrorKind::not_found, "Model not found in model store: " + url);
  }
  const fs::path path = config.model_store / url;
  if (!fs::exists(path)) throw Error(ErrorKind::not_found, "Model not found in model store: " + url);
  return path;
}

constexpr const char* kExtractionPrefix = "ocrserve-model-";

fs::path fresh_extraction_dir() {
  static std::atomic<uint64_t> counter{0};
  std::random_device random;
  return fs::temp_directory_path() / (kExtractionPrefix + std::to_string(getpid()) + "-" +
                                      std::to_string(counter++) + "-" + std::to_string(random()));
}

ServableSpec spec_for(const fs::path& root, const std::string& handler, const std::string& where) {
  if (fs::exists(root / "det" / "deploy.json") && fs::exists(root / "rec" / "deploy.json")) {
    const fs::path cls = fs::exists(root / "cls" / "deploy.json") ? root / "cls" : fs::path();
    return ServableSpec::from_packages(root / "det", root / "rec", cls);
  }
  if (fs::exists(root / "deploy.json")) return ServableSpec::from_packages(root);
  throw Error(ErrorKind::bad_input, where + ": holds no ocrserve model package" +
                                        (handler.empty() ? std::string()
                                                         : " (handler \"" + handler + "\" is for TorchServe's Python runtime; "
                                                           "convert the checkpoint with `ocrserve convert` and archive the package)"));
}

}  // namespace

std::shared_ptr<ServedModel> load_model(const LoadRequest& request, const ServerConfig& config) {
  if (!request.name.empty() && !valid_model_name(request.name)) throw invalid_model_name(request.name);
  const auto check_workers = [&](size_t workers) {
    if (workers > config.limits.workers_per_model()) {
      throw Error(ErrorKind::bad_input, std::to_string(workers) + " workers exceed the limit of " +
                                            std::to_string(config.limits.workers_per_model()) +
                                            " per model (ocrserve_max_workers_per_model)");
    }
  };
  check_workers(request.workers);  // before the archive is even read
  fs::path fetched;
  const fs::path path = resolve(request.url, config, fetched);
  // A fetched archive that does not load leaves the store as it was.
  struct RemoveUnlessKept {
    fs::path file;
    ~RemoveUnlessKept() {
      std::error_code ignored;
      if (!file.empty()) fs::remove(file, ignored);
    }
  } fetched_guard{fetched};
  auto model = std::make_shared<ServedModel>();
  model->fetched_archive = fetched;
  model->url = request.url;
  model->loaded_at_startup = request.at_startup;
  fs::path root = path;
  std::string handler;
  if (fs::is_directory(path)) {
    model->name = path.filename().string();
    if (fs::exists(path / "MAR-INF/MANIFEST.json")) {
      const Json manifest = read_json_file(path / "MAR-INF/MANIFEST.json");
      model->name = manifest.value("model", Json::object()).value("modelName", model->name);
      model->version = manifest.value("model", Json::object()).value("modelVersion", model->version);
    }
  } else {
    model->extracted_dir = fresh_extraction_dir();
    const Manifest manifest = extract_archive(path, model->extracted_dir);
    model->name = manifest.model_name;
    model->version = manifest.model_version;
    handler = manifest.handler;
    root = model->extracted_dir;
  }
  if (!request.name.empty()) model->name = request.name;
  if (!valid_model_name(model->name)) throw invalid_model_name(model->name);
  ServableSpec spec = spec_for(root, handler, request.url);
  spec.pipeline.backend.intra_op_threads = static_cast<int>(config.intra_op_threads);
  if (spec.kind != PipelineKind::recognition) spec.pipeline.detection = config.detection;
  spec.pipeline.backend.cache_dir = default_session_cache_dir();
  spec.pipeline.backend.release_memory_after_run = true;  // a server's idle memory is what it holds between requests
  spec.limits = config.limits.image;
  RunnerSettings settings = request.settings;
  size_t workers = request.workers, max_workers = request.workers;
  if (const ModelSettings* configured = request.at_startup ? config.model_settings(model->name, model->version) : nullptr) {
    workers = configured->min_workers.value_or(workers);
    max_workers = std::max(workers, configured->max_workers.value_or(workers));
    settings.batch_size = configured->batch_size.value_or(settings.batch_size);
    settings.max_batch_delay = configured->max_batch_delay.value_or(settings.max_batch_delay);
    settings.response_timeout = configured->response_timeout.value_or(settings.response_timeout);
    check_workers(workers);
  }
  model->runner = std::make_unique<ModelRunner>(spec, settings);
  model->min_workers = workers;
  model->max_workers = max_workers;
  model->runner->scale(workers);
  fetched_guard.file.clear();
  return model;
}

void remove_stale_extractions() {
  std::error_code error;
  const std::string prefix = kExtractionPrefix;
  for (const auto& entry : fs::directory_iterator(fs::temp_directory_path(error), error)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) != 0 || !entry.is_directory()) continue;
    const long pid = std::strtol(name.c_str() + prefix.size(), nullptr, 10);
    // Only directories of servers that no longer run (kill(pid, 0) says no such process).
    if (pid > 0 && kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
      std::error_code ignored;
      fs::remove_all(entry.path(), ignored);
    }
  }
}

std::vector<std::string> store_entries(const fs::path& store) {
  std::vector<std::string> entries;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(store, error)) {
    const std::string name = entry.path().filename().string();
    if (name.front() == '.') continue;
    if ((entry.is_regular_file() && entry.path().extension() == ".mar") ||
        (entry.is_directory() && (fs::exists(entry.path() / "deploy.json") || fs::exists(entry.path() / "det/deploy.json")))) {
      entries.push_back(name);
    }
  }
  std::sort(entries.begin(), entries.end());
  return entries;
}

std::vector<std::pair<std::string, std::string>> parse_model_list(const std::string& list) {
  std::vector<std::pair<std::string, std::string>> models;
  size_t start = 0;
  while (start <= list.size()) {
    const size_t comma = list.find(',', start);
    std::string item = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (!item.empty()) {
      const size_t eq = item.find('=');
      if (eq == std::string::npos) models.emplace_back("", item);
      else models.emplace_back(item.substr(0, eq), item.substr(eq + 1));
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return models;
}

}  // namespace ocrserve
