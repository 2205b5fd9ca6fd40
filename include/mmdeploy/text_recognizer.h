/* mmdeploy compatibility: mmdeploy/text_recognizer.h (see mmdeploy/common.h). The synchronous
 * calls are provided; the _v2 / async / pipeline-value variants are not. */
#ifndef OCRSERVE_MMDEPLOY_TEXT_RECOGNIZER_H_
#define OCRSERVE_MMDEPLOY_TEXT_RECOGNIZER_H_

#include "mmdeploy/common.h"
#include "mmdeploy/model.h"
#include "mmdeploy/text_detector.h"
#include "ocrserve/c/text_recognizer.h"

typedef ocrserve_text_recognition_t mmdeploy_text_recognition_t;
typedef ocrserve_text_recognizer_t mmdeploy_text_recognizer_t;

static inline int mmdeploy_text_recognizer_create(mmdeploy_model_t model, const char* device_name, int device_id,
                                                  mmdeploy_text_recognizer_t* recognizer) {
  return ocrserve_text_recognizer_create(model, device_name, device_id, recognizer);
}
static inline int mmdeploy_text_recognizer_create_by_path(const char* model_path, const char* device_name,
                                                          int device_id, mmdeploy_text_recognizer_t* recognizer) {
  return ocrserve_text_recognizer_create_by_path(model_path, device_name, device_id, recognizer);
}
static inline int mmdeploy_text_recognizer_apply(mmdeploy_text_recognizer_t recognizer, const mmdeploy_mat_t* images,
                                                 int count, mmdeploy_text_recognition_t** results) {
  return ocrserve_text_recognizer_apply(recognizer, images, count, results);
}
static inline int mmdeploy_text_recognizer_apply_bbox(mmdeploy_text_recognizer_t recognizer,
                                                      const mmdeploy_mat_t* images, int image_count,
                                                      const mmdeploy_text_detection_t* bboxes, const int* bbox_count,
                                                      mmdeploy_text_recognition_t** results) {
  return ocrserve_text_recognizer_apply_bbox(recognizer, images, image_count, bboxes, bbox_count, results);
}
static inline void mmdeploy_text_recognizer_release_result(mmdeploy_text_recognition_t* results, int count) {
  ocrserve_text_recognizer_release_result(results, count);
}
static inline void mmdeploy_text_recognizer_destroy(mmdeploy_text_recognizer_t recognizer) {
  ocrserve_text_recognizer_destroy(recognizer);
}

#endif /* OCRSERVE_MMDEPLOY_TEXT_RECOGNIZER_H_ */
