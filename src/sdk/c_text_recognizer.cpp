// ocrserve/c/text_recognizer.h on ocrserve::Recognizer.
#include <algorithm>
#include <memory>
#include <mutex>

#include "ocrserve/c/text_recognizer.h"
#include "ocrserve/error.hpp"
#include "ocrserve/recognizer.hpp"
#include "sdk/c_support.hpp"

struct ocrserve_text_recognizer {
  ocrserve::Recognizer recognizer;
  std::mutex busy;  // a handle shared by threads runs one call at a time
};

namespace {

void release_strings(ocrserve_text_recognition_t* results, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    delete[] results[i].text;
    delete[] results[i].score;
  }
}

// The texts as the C API hands them out; on an exception nothing leaks.
ocrserve_text_recognition_t* to_results(const std::vector<ocrserve::RecognizedText>& texts) {
  auto results = std::make_unique<ocrserve_text_recognition_t[]>(texts.size());  // zeroed
  try {
    for (size_t i = 0; i < texts.size(); ++i) {
      results[i].length = static_cast<int>(texts[i].char_scores.size());
      results[i].score = new float[texts[i].char_scores.size()];
      std::copy(texts[i].char_scores.begin(), texts[i].char_scores.end(), results[i].score);
      results[i].text = ocrserve::c_api::copy_string(texts[i].text);
    }
  } catch (...) {
    release_strings(results.get(), texts.size());
    throw;
  }
  return results.release();
}

}  // namespace

extern "C" {

int ocrserve_text_recognizer_create_by_path(const char* model_path, const char* device_name, int device_id,
                                            ocrserve_text_recognizer_t* recognizer) {
  using namespace ocrserve;
  return c_api::guarded([&] {
    if (!model_path || !recognizer) throw Error(ErrorKind::bad_input, "model_path or recognizer is NULL");
    *recognizer =
        new ocrserve_text_recognizer{Recognizer(model_path, c_api::backend_options(device_name, device_id)), {}};
  });
}

int ocrserve_text_recognizer_create(ocrserve_model_t model, const char* device_name, int device_id,
                                    ocrserve_text_recognizer_t* recognizer) {
  if (!model) return ocrserve::c_api::fail(OCRSERVE_E_INVALID_ARG, "model is NULL");
  return ocrserve_text_recognizer_create_by_path(model->path.c_str(), device_name, device_id, recognizer);
}

int ocrserve_text_recognizer_apply(ocrserve_text_recognizer_t recognizer, const ocrserve_mat_t* images, int count,
                                   ocrserve_text_recognition_t** results) {
  return ocrserve_text_recognizer_apply_bbox(recognizer, images, count, nullptr, nullptr, results);
}

int ocrserve_text_recognizer_apply_bbox(ocrserve_text_recognizer_t recognizer, const ocrserve_mat_t* images,
                                        int image_count, const ocrserve_text_detection_t* bboxes,
                                        const int* bbox_count, ocrserve_text_recognition_t** results) {
  using namespace ocrserve;
  return c_api::guarded([&] {
    if (!recognizer || !results) throw Error(ErrorKind::bad_input, "recognizer or results is NULL");
    const std::vector<cv::Mat> mats = c_api::to_bgr(images, image_count);
    if (bboxes && !bbox_count) throw Error(ErrorKind::bad_input, "bboxes given without bbox_count");
    std::vector<RecognizedText> texts;
    std::lock_guard lock(recognizer->busy);
    if (!bboxes) {
      texts = recognizer->recognizer.recognize(mats);
    } else {
      const ocrserve_text_detection_t* next = bboxes;
      for (int i = 0; i < image_count; ++i) {
        if (bbox_count[i] < 0) throw Error(ErrorKind::bad_input, "bbox_count[" + std::to_string(i) + "] is negative");
        std::vector<Polygon> regions;
        for (int k = 0; k < bbox_count[i]; ++k) regions.push_back(c_api::to_polygon((next++)->bbox));
        std::vector<RecognizedText> image_texts = recognizer->recognizer.recognize(mats[i], regions);
        std::move(image_texts.begin(), image_texts.end(), std::back_inserter(texts));
      }
    }
    *results = to_results(texts);
  });
}

void ocrserve_text_recognizer_release_result(ocrserve_text_recognition_t* results, int count) {
  if (!results) return;
  release_strings(results, static_cast<size_t>(std::max(count, 0)));
  delete[] results;
}

void ocrserve_text_recognizer_destroy(ocrserve_text_recognizer_t recognizer) { delete recognizer; }

}  // extern "C"
