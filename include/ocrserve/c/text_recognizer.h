/* ocrserve C API: text recognition (mmdeploy/text_recognizer.h's shape). */
#ifndef OCRSERVE_C_TEXT_RECOGNIZER_H_
#define OCRSERVE_C_TEXT_RECOGNIZER_H_

#include "ocrserve/c/common.h"
#include "ocrserve/c/text_detector.h"

#ifdef __cplusplus
extern "C" {
#endif

/* text: NUL-terminated UTF-8; score: one probability per character, length of them. */
typedef struct ocrserve_text_recognition_t {
  char* text;
  float* score;
  int length;
} ocrserve_text_recognition_t;

typedef struct ocrserve_text_recognizer* ocrserve_text_recognizer_t;

OCRSERVE_API int ocrserve_text_recognizer_create(ocrserve_model_t model, const char* device_name, int device_id,
                                                 ocrserve_text_recognizer_t* recognizer);
OCRSERVE_API int ocrserve_text_recognizer_create_by_path(const char* model_path, const char* device_name,
                                                         int device_id, ocrserve_text_recognizer_t* recognizer);

/* Each image is one text line: count results. */
OCRSERVE_API int ocrserve_text_recognizer_apply(ocrserve_text_recognizer_t recognizer, const ocrserve_mat_t* images,
                                                int count, ocrserve_text_recognition_t** results);

/* One result per box: bbox_count[i] boxes of bboxes belong to image i, in order (the output of
 * ocrserve_text_detector_apply fits). Each box is cut out upright as end-to-end OCR cuts it.
 * With bboxes NULL, the same as ocrserve_text_recognizer_apply. */
OCRSERVE_API int ocrserve_text_recognizer_apply_bbox(ocrserve_text_recognizer_t recognizer,
                                                     const ocrserve_mat_t* images, int image_count,
                                                     const ocrserve_text_detection_t* bboxes, const int* bbox_count,
                                                     ocrserve_text_recognition_t** results);

/* count: the number of results (boxes, or images for _apply). */
OCRSERVE_API void ocrserve_text_recognizer_release_result(ocrserve_text_recognition_t* results, int count);
OCRSERVE_API void ocrserve_text_recognizer_destroy(ocrserve_text_recognizer_t recognizer);

#ifdef __cplusplus
}
#endif

#endif /* OCRSERVE_C_TEXT_RECOGNIZER_H_ */
