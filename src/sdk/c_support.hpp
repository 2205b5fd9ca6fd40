#pragma once
// What the C API's functions share: turning exceptions into status codes and a message,
// ocrserve_mat_t into cv::Mat, device names into BackendOptions, polygons into 4-point boxes.
#include <filesystem>
#include <memory>
#include <vector>

#include <opencv2/core.hpp>

#include "ocrserve/c/common.h"
#include "ocrserve/options.hpp"
#include "ocrserve/results.hpp"

struct ocrserve_model {
  std::filesystem::path path;
};

namespace ocrserve::c_api {

// Runs `body`; returns OCRSERVE_SUCCESS, or the status an exception maps to (ocrserve::Error by
// kind, std::bad_alloc as out of memory) with its message kept for ocrserve_last_error().
template <typename Body>
int guarded(Body&& body) noexcept;

// Records `message` as the thread's last error and returns `status`.
int fail(int status, const char* message) noexcept;
void clear_error() noexcept;
const char* last_error_message() noexcept;
int status_of_current_exception() noexcept;

// BGR images (wrapped without copying where the input is BGR already); Error(bad_input) or
// Error(unsupported) naming the image for a malformed or unsupported ocrserve_mat_t.
std::vector<cv::Mat> to_bgr(const ocrserve_mat_t* mats, int count);

// "cpu" stays "cpu"; "cuda" with id N becomes "cuda:N". Threads: default_inference_threads().
BackendOptions backend_options(const char* device_name, int device_id);

// quadrilateral(polygon) as the C struct's 4 points.
void to_bbox(const Polygon& polygon, ocrserve_point_t bbox[4]);
Polygon to_polygon(const ocrserve_point_t bbox[4]);

// A NUL-terminated copy the caller frees with delete[].
char* copy_string(const std::string& text);

template <typename Body>
int guarded(Body&& body) noexcept {
  clear_error();
  try {
    body();
    return OCRSERVE_SUCCESS;
  } catch (...) {
    return status_of_current_exception();
  }
}

}  // namespace ocrserve::c_api
