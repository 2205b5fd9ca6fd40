// ocrserve/c/text_detector.h on ocrserve::Detector.
#include <memory>
#include <mutex>

#include "ocrserve/c/text_detector.h"
#include "ocrserve/detector.hpp"
#include "ocrserve/error.hpp"
#include "sdk/c_support.hpp"

struct ocrserve_text_detector {
  ocrserve::Detector detector;
  std::mutex busy;  // a handle shared by threads runs one call at a time
};

extern "C" {

int ocrserve_text_detector_create_by_path(const char* model_path, const char* device_name, int device_id,
                                          ocrserve_text_detector_t* detector) {
  using namespace ocrserve;
  return c_api::guarded([&] {
    if (!model_path || !detector) throw Error(ErrorKind::bad_input, "model_path or detector is NULL");
    *detector = new ocrserve_text_detector{Detector(model_path, c_api::backend_options(device_name, device_id)), {}};
  });
}

int ocrserve_text_detector_create(ocrserve_model_t model, const char* device_name, int device_id,
                                  ocrserve_text_detector_t* detector) {
  if (!model) return ocrserve::c_api::fail(OCRSERVE_E_INVALID_ARG, "model is NULL");
  return ocrserve_text_detector_create_by_path(model->path.c_str(), device_name, device_id, detector);
}

int ocrserve_text_detector_apply(ocrserve_text_detector_t detector, const ocrserve_mat_t* mats, int mat_count,
                                 ocrserve_text_detection_t** results, int** result_count) {
  using namespace ocrserve;
  return c_api::guarded([&] {
    if (!detector || !results || !result_count) throw Error(ErrorKind::bad_input, "detector or a result pointer is NULL");
    const std::vector<cv::Mat> images = c_api::to_bgr(mats, mat_count);
    std::vector<DetectionResult> detections;
    {
      std::lock_guard lock(detector->busy);
      detections = detector->detector.detect(images);
    }
    size_t total = 0;
    for (const auto& regions : detections) total += regions.size();
    auto boxes = std::make_unique<ocrserve_text_detection_t[]>(total);
    auto counts = std::make_unique<int[]>(mat_count);
    size_t next = 0;
    for (int i = 0; i < mat_count; ++i) {
      counts[i] = static_cast<int>(detections[i].size());
      for (const DetectedText& region : detections[i]) {
        c_api::to_bbox(region.polygon, boxes[next].bbox);
        boxes[next++].score = region.score;
      }
    }
    *results = boxes.release();
    *result_count = counts.release();
  });
}

void ocrserve_text_detector_release_result(ocrserve_text_detection_t* results, const int* result_count, int) {
  delete[] results;
  delete[] result_count;
}

void ocrserve_text_detector_destroy(ocrserve_text_detector_t detector) { delete detector; }

}  // extern "C"
