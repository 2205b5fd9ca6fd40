// ocrserve/c/ocr.h on ocrserve::Ocr.
#include <algorithm>
#include <memory>
#include <mutex>

#include "ocrserve/c/ocr.h"
#include "ocrserve/error.hpp"
#include "ocrserve/ocr.hpp"
#include "sdk/c_support.hpp"

struct ocrserve_ocr {
  ocrserve::Ocr ocr;
  std::mutex busy;  // a handle shared by threads runs one call at a time
};

namespace {

void release_texts(ocrserve_ocr_line_t* lines, size_t count) {
  for (size_t i = 0; i < count; ++i) delete[] lines[i].text;
}

}  // namespace

extern "C" {

int ocrserve_ocr_create_by_path(const char* detector_path, const char* recognizer_path, const char* classifier_path,
                                const char* device_name, int device_id, ocrserve_ocr_t* ocr) {
  using namespace ocrserve;
  return c_api::guarded([&] {
    if (!ocr) throw Error(ErrorKind::bad_input, "ocr is NULL");
    OcrOptions options;
    if (!detector_path && !recognizer_path && !classifier_path) {
      options = OcrOptions::with_default_models();
    } else if (!detector_path || !recognizer_path) {
      throw Error(ErrorKind::bad_input, "give both detector_path and recognizer_path (or all paths NULL for the defaults)");
    } else {
      options.detector = detector_path;
      options.recognizer = recognizer_path;
      if (classifier_path) options.classifier = classifier_path;
    }
    options.backend = c_api::backend_options(device_name, device_id);
    *ocr = new ocrserve_ocr{Ocr(options), {}};
  });
}

int ocrserve_ocr_apply(ocrserve_ocr_t ocr, const ocrserve_mat_t* mats, int mat_count, ocrserve_ocr_line_t** results,
                       int** result_count) {
  using namespace ocrserve;
  return c_api::guarded([&] {
    if (!ocr || !results || !result_count) throw Error(ErrorKind::bad_input, "ocr or a result pointer is NULL");
    const std::vector<cv::Mat> images = c_api::to_bgr(mats, mat_count);
    std::vector<OcrResult> pages;
    {
      std::lock_guard lock(ocr->busy);
      pages = ocr->ocr.run(images);
    }
    size_t total = 0;
    for (const auto& lines : pages) total += lines.size();
    auto lines = std::make_unique<ocrserve_ocr_line_t[]>(total);  // zeroed
    auto counts = std::make_unique<int[]>(mat_count);
    size_t next = 0;
    try {
      for (int i = 0; i < mat_count; ++i) {
        counts[i] = static_cast<int>(pages[i].size());
        for (const OcrItem& item : pages[i]) {
          ocrserve_ocr_line_t& line = lines[next++];
          c_api::to_bbox(item.polygon, line.bbox);
          line.det_score = item.det_score;
          line.score = item.score;
          line.text = c_api::copy_string(item.text);
        }
      }
    } catch (...) {
      release_texts(lines.get(), total);
      throw;
    }
    *results = lines.release();
    *result_count = counts.release();
  });
}

void ocrserve_ocr_release_result(ocrserve_ocr_line_t* results, const int* result_count, int count) {
  if (results && result_count) {
    size_t total = 0;
    for (int i = 0; i < count; ++i) total += static_cast<size_t>(std::max(result_count[i], 0));
    release_texts(results, total);
  }
  delete[] results;
  delete[] result_count;
}

void ocrserve_ocr_destroy(ocrserve_ocr_t ocr) { delete ocr; }

}  // extern "C"
