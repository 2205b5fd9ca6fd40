/* ocrserve C API: end-to-end OCR in one call: detection, optional angle classification and
 * recognition, lines in reading order, lines with a low recognition score dropped (as
 * `ocrserve infer` does). mmdeploy has no such handle; it chains a detector and a recognizer. */
#ifndef OCRSERVE_C_OCR_H_
#define OCRSERVE_C_OCR_H_

#include "ocrserve/c/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ocrserve_ocr_line_t {
  ocrserve_point_t bbox[4]; /* clockwise from the top-left corner of the text */
  float det_score;          /* detection score */
  char* text;               /* NUL-terminated UTF-8 */
  float score;              /* recognition score */
} ocrserve_ocr_line_t;

typedef struct ocrserve_ocr* ocrserve_ocr_t;

/* Paths of the detection and recognition packages; classifier_path may be NULL (no angle
 * classifier). All three NULL: the default packages (share/ocrserve/models of the prefix the
 * library is installed in, or $OCRSERVE_MODELS). */
OCRSERVE_API int ocrserve_ocr_create_by_path(const char* detector_path, const char* recognizer_path,
                                             const char* classifier_path, const char* device_name, int device_id,
                                             ocrserve_ocr_t* ocr);

/* Same layout as ocrserve_text_detector_apply: all lines of all images in *results,
 * (*result_count)[i] of them for image i. */
OCRSERVE_API int ocrserve_ocr_apply(ocrserve_ocr_t ocr, const ocrserve_mat_t* mats, int mat_count,
                                    ocrserve_ocr_line_t** results, int** result_count);
OCRSERVE_API void ocrserve_ocr_release_result(ocrserve_ocr_line_t* results, const int* result_count, int count);
OCRSERVE_API void ocrserve_ocr_destroy(ocrserve_ocr_t ocr);

#ifdef __cplusplus
}
#endif

#endif /* OCRSERVE_C_OCR_H_ */
