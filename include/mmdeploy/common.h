/* mmdeploy compatibility: mmdeploy's C names for ocrserve's C API, so that programs written
 * for mmdeploy's SDK (its demo/csrc/c/ocr.cpp, for one) build against ocrserve with only the
 * include and link lines changed. The types are ocrserve's; the layouts and values are the same. */
#ifndef OCRSERVE_MMDEPLOY_COMMON_H_
#define OCRSERVE_MMDEPLOY_COMMON_H_

#include "ocrserve/c/common.h"

typedef ocrserve_status_t mmdeploy_status_t;
#define MMDEPLOY_SUCCESS OCRSERVE_SUCCESS
#define MMDEPLOY_E_INVALID_ARG OCRSERVE_E_INVALID_ARG
#define MMDEPLOY_E_NOT_SUPPORTED OCRSERVE_E_NOT_SUPPORTED
#define MMDEPLOY_E_OUT_OF_RANGE OCRSERVE_E_OUT_OF_RANGE
#define MMDEPLOY_E_OUT_OF_MEMORY OCRSERVE_E_OUT_OF_MEMORY
#define MMDEPLOY_E_FILE_NOT_EXIST OCRSERVE_E_FILE_NOT_EXIST
#define MMDEPLOY_E_FAIL OCRSERVE_E_FAIL
#define MMDEPLOY_STATUS_COUNT OCRSERVE_STATUS_COUNT

typedef ocrserve_pixel_format_t mmdeploy_pixel_format_t;
#define MMDEPLOY_PIXEL_FORMAT_BGR OCRSERVE_PIXEL_FORMAT_BGR
#define MMDEPLOY_PIXEL_FORMAT_RGB OCRSERVE_PIXEL_FORMAT_RGB
#define MMDEPLOY_PIXEL_FORMAT_GRAYSCALE OCRSERVE_PIXEL_FORMAT_GRAYSCALE
#define MMDEPLOY_PIXEL_FORMAT_NV12 OCRSERVE_PIXEL_FORMAT_NV12
#define MMDEPLOY_PIXEL_FORMAT_NV21 OCRSERVE_PIXEL_FORMAT_NV21
#define MMDEPLOY_PIXEL_FORMAT_BGRA OCRSERVE_PIXEL_FORMAT_BGRA
#define MMDEPLOY_PIXEL_FORMAT_COUNT OCRSERVE_PIXEL_FORMAT_COUNT

typedef ocrserve_data_type_t mmdeploy_data_type_t;
#define MMDEPLOY_DATA_TYPE_FLOAT OCRSERVE_DATA_TYPE_FLOAT
#define MMDEPLOY_DATA_TYPE_HALF OCRSERVE_DATA_TYPE_HALF
#define MMDEPLOY_DATA_TYPE_UINT8 OCRSERVE_DATA_TYPE_UINT8
#define MMDEPLOY_DATA_TYPE_INT32 OCRSERVE_DATA_TYPE_INT32
#define MMDEPLOY_DATA_TYPE_COUNT OCRSERVE_DATA_TYPE_COUNT

typedef ocrserve_device_t mmdeploy_device_t;
typedef ocrserve_mat_t mmdeploy_mat_t;
typedef ocrserve_point_t mmdeploy_point_t;
typedef ocrserve_model_t mmdeploy_model_t;

#endif /* OCRSERVE_MMDEPLOY_COMMON_H_ */
