#pragma once
// Turns what a user names — a .mar in the model store, a package directory, a file:// URL that
// allowed_urls permits — into a served model with its workers started.
#include <optional>
#include <string>
#include <vector>

#include "serve/config.hpp"
#include "serve/model_registry.hpp"

namespace ocrserve {

struct LoadRequest {
  std::string url;                    // "dbnet.mar", "my-package", "file:///abs/x.mar"
  std::string name;                   // overrides the manifest's modelName
  RunnerSettings settings;
  size_t workers = 1;
  bool at_startup = false;
};

constexpr size_t kMaxUrlLength = 2048;

// Error(not_found) for what is not there, Error(bad_input) for URLs that are not allowed and
// for broken archives or packages; the message says which.
std::shared_ptr<ServedModel> load_model(const LoadRequest& request, const ServerConfig& config);

// Archives are extracted into $TMPDIR/ocrserve-model-<pid>-…; a server that was killed leaves
// its directories behind. This removes those of processes that no longer run.
void remove_stale_extractions();

// The archives and package directories of the store, for --models all.
std::vector<std::string> store_entries(const std::filesystem::path& store);

// Splits "a.mar,name=b.mar" into (name, url) pairs; name is empty when not given.
std::vector<std::pair<std::string, std::string>> parse_model_list(const std::string& list);

}  // namespace ocrserve
