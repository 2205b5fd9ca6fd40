/* mmdeploy compatibility: mmdeploy/model.h (see mmdeploy/common.h). Only package folders are
 * read: mmdeploy_model_create (a model in memory) is not provided. */
#ifndef OCRSERVE_MMDEPLOY_MODEL_H_
#define OCRSERVE_MMDEPLOY_MODEL_H_

#include "mmdeploy/common.h"

static inline int mmdeploy_model_create_by_path(const char* path, mmdeploy_model_t* model) {
  return ocrserve_model_create_by_path(path, model);
}
static inline void mmdeploy_model_destroy(mmdeploy_model_t model) { ocrserve_model_destroy(model); }

#endif /* OCRSERVE_MMDEPLOY_MODEL_H_ */
