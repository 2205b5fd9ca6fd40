/* ocrserve C API: text detection (mmdeploy/text_detector.h's shape). */
#ifndef OCRSERVE_C_TEXT_DETECTOR_H_
#define OCRSERVE_C_TEXT_DETECTOR_H_

#include "ocrserve/c/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A text region: four corners clockwise from the top-left one of the text, in pixels of the
 * image given (polygons with more points are reduced to their minimum-area rectangle). */
typedef struct ocrserve_text_detection_t {
  ocrserve_point_t bbox[4];
  float score;
} ocrserve_text_detection_t;

typedef struct ocrserve_text_detector* ocrserve_text_detector_t;

/* device_name: "cpu" (or "cuda" with a device_id where a backend was built with CUDA). */
OCRSERVE_API int ocrserve_text_detector_create(ocrserve_model_t model, const char* device_name, int device_id,
                                               ocrserve_text_detector_t* detector);
OCRSERVE_API int ocrserve_text_detector_create_by_path(const char* model_path, const char* device_name,
                                                       int device_id, ocrserve_text_detector_t* detector);

/* Detects text in mat_count images. On success *results holds all regions of all images, image
 * after image, and (*result_count)[i] says how many belong to image i. Free both with
 * ocrserve_text_detector_release_result. A handle may be used by one thread at a time. */
OCRSERVE_API int ocrserve_text_detector_apply(ocrserve_text_detector_t detector, const ocrserve_mat_t* mats,
                                              int mat_count, ocrserve_text_detection_t** results,
                                              int** result_count);
OCRSERVE_API void ocrserve_text_detector_release_result(ocrserve_text_detection_t* results,
                                                        const int* result_count, int count);
OCRSERVE_API void ocrserve_text_detector_destroy(ocrserve_text_detector_t detector);

#ifdef __cplusplus
}
#endif

#endif /* OCRSERVE_C_TEXT_DETECTOR_H_ */
