/* ocrserve C API: the types every handle shares. A stable C ABI shaped like mmdeploy's
 * (mmdeploy/common.h): images in as ocrserve_mat_t, results out as plain structs the library
 * allocates and a matching release function frees, status codes with mmdeploy's values.
 * See docs/sdk.md. */
#ifndef OCRSERVE_C_COMMON_H_
#define OCRSERVE_C_COMMON_H_

#include <stdint.h>

#if defined(__GNUC__)
#define OCRSERVE_API __attribute__((visibility("default")))
#else
#define OCRSERVE_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The values mmdeploy's mmdeploy_status_t gives them. */
typedef enum ocrserve_status_t {
  OCRSERVE_SUCCESS = 0,
  OCRSERVE_E_INVALID_ARG = 1,      /* a null handle or pointer, a malformed image or package */
  OCRSERVE_E_NOT_SUPPORTED = 2,    /* a device, pixel format or package this build cannot run */
  OCRSERVE_E_OUT_OF_RANGE = 3,
  OCRSERVE_E_OUT_OF_MEMORY = 4,
  OCRSERVE_E_FILE_NOT_EXIST = 5,   /* the package or one of its files is missing */
  OCRSERVE_E_FAIL = 6,             /* anything else: ocrserve_last_error() says what */
  OCRSERVE_STATUS_COUNT = 7
} ocrserve_status_t;

typedef enum ocrserve_pixel_format_t {
  OCRSERVE_PIXEL_FORMAT_BGR,
  OCRSERVE_PIXEL_FORMAT_RGB,
  OCRSERVE_PIXEL_FORMAT_GRAYSCALE,
  OCRSERVE_PIXEL_FORMAT_NV12,
  OCRSERVE_PIXEL_FORMAT_NV21,
  OCRSERVE_PIXEL_FORMAT_BGRA,
  OCRSERVE_PIXEL_FORMAT_COUNT
} ocrserve_pixel_format_t;

/* Only UINT8 images are accepted; the others exist so that mmdeploy code compiles. */
typedef enum ocrserve_data_type_t {
  OCRSERVE_DATA_TYPE_FLOAT,
  OCRSERVE_DATA_TYPE_HALF,
  OCRSERVE_DATA_TYPE_UINT8,
  OCRSERVE_DATA_TYPE_INT32,
  OCRSERVE_DATA_TYPE_COUNT
} ocrserve_data_type_t;

typedef struct ocrserve_device* ocrserve_device_t; /* reserved: always NULL (host memory) */

/* An image in host memory, rows packed (no padding between rows). height and width are in
 * pixels; NV12/NV21 hold height * 3 / 2 rows of width bytes. channel must match format. */
typedef struct ocrserve_mat_t {
  uint8_t* data;
  int height;
  int width;
  int channel;
  ocrserve_pixel_format_t format;
  ocrserve_data_type_t type;
  ocrserve_device_t device;
} ocrserve_mat_t;

typedef struct ocrserve_point_t {
  float x;
  float y;
} ocrserve_point_t;

/* A model package (an mmdeploy SDK model directory), opened once and shared by handles. */
typedef struct ocrserve_model* ocrserve_model_t;

OCRSERVE_API int ocrserve_model_create_by_path(const char* path, ocrserve_model_t* model);
OCRSERVE_API void ocrserve_model_destroy(ocrserve_model_t model);

/* What went wrong in this thread's last failed call, in one line ("" after a success). The
 * text stays valid until this thread's next call into the library. */
OCRSERVE_API const char* ocrserve_last_error(void);

/* "MAJOR.MINOR.PATCH" of the library loaded. */
OCRSERVE_API const char* ocrserve_version(void);

#ifdef __cplusplus
}
#endif

#endif /* OCRSERVE_C_COMMON_H_ */
