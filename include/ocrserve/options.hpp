#pragma once
// How a model runs: what callers choose when they load one.
#include <filesystem>

namespace ocrserve {

struct BackendOptions {
  int intra_op_threads = 1;  // threads one inference may use (0 = the backend's default)
  bool optimize = true;      // graph optimisations (constant folding, operator fusion)
  std::filesystem::path cache_dir;  // optimised graphs kept between runs (empty: none); see session_cache.hpp
};

}  // namespace ocrserve
