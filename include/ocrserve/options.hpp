#pragma once
// How a model runs: what callers choose when they load one.
#include <filesystem>
#include <optional>
#include <string>

namespace ocrserve {

// The cores of this machine, at most 8: the threads the CLI and the C and Python APIs use.
int default_inference_threads();

struct BackendOptions {
  int intra_op_threads = 1;  // threads one inference may use (0 = the backend's default)
  bool optimize = true;      // graph optimisations (constant folding, operator fusion)
  std::filesystem::path cache_dir;  // optimised graphs kept between runs (empty: none); see session_cache.hpp
  // Give the memory arena's unused chunks back after each run: a long-running server keeps only
  // what it is using, at a small cost per run; a command that exits soon need not.
  bool release_memory_after_run = false;
  // Where the network runs: "cpu", or "cuda" / "cuda:N" where a backend was built with CUDA
  // (mmdeploy's device_name and device_id). A backend without that device says so when loading.
  std::string device = "cpu";
};

// What a caller may change of a detection package's pipeline.json when loading it, for one
// run (PaddleOCR's det_limit_side_len, det_db_thresh, det_db_box_thresh, det_db_unclip_ratio).
// Unset: the package's own value.
struct DetectionSettings {
  std::optional<int> limit_side;          // the longest side of the network input (Resize scale)
  std::optional<double> mask_thr;         // probability above which a pixel is text
  std::optional<double> min_text_score;   // mean probability a region needs to be kept
  std::optional<double> unclip_ratio;     // how far a region is grown back out

  bool empty() const { return !limit_side && !mask_thr && !min_text_score && !unclip_ratio; }
};

}  // namespace ocrserve
