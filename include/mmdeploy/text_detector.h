/* mmdeploy compatibility: mmdeploy/text_detector.h (see mmdeploy/common.h). The synchronous
 * calls are provided; the _v2 / async / pipeline-value variants are not. */
#ifndef OCRSERVE_MMDEPLOY_TEXT_DETECTOR_H_
#define OCRSERVE_MMDEPLOY_TEXT_DETECTOR_H_

#include "mmdeploy/common.h"
#include "mmdeploy/model.h"
#include "ocrserve/c/text_detector.h"

typedef ocrserve_text_detection_t mmdeploy_text_detection_t;
typedef ocrserve_text_detector_t mmdeploy_text_detector_t;

static inline int mmdeploy_text_detector_create(mmdeploy_model_t model, const char* device_name, int device_id,
                                                mmdeploy_text_detector_t* detector) {
  return ocrserve_text_detector_create(model, device_name, device_id, detector);
}
static inline int mmdeploy_text_detector_create_by_path(const char* model_path, const char* device_name,
                                                        int device_id, mmdeploy_text_detector_t* detector) {
  return ocrserve_text_detector_create_by_path(model_path, device_name, device_id, detector);
}
static inline int mmdeploy_text_detector_apply(mmdeploy_text_detector_t detector, const mmdeploy_mat_t* mats,
                                               int mat_count, mmdeploy_text_detection_t** results,
                                               int** result_count) {
  return ocrserve_text_detector_apply(detector, mats, mat_count, results, result_count);
}
static inline void mmdeploy_text_detector_release_result(mmdeploy_text_detection_t* results, const int* result_count,
                                                         int count) {
  ocrserve_text_detector_release_result(results, result_count, count);
}
static inline void mmdeploy_text_detector_destroy(mmdeploy_text_detector_t detector) {
  ocrserve_text_detector_destroy(detector);
}

#endif /* OCRSERVE_MMDEPLOY_TEXT_DETECTOR_H_ */
