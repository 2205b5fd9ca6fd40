// An OCR program written against mmdeploy's C API, as mmdeploy's users write them (the shape of
// its demo/csrc/c/ocr.cpp): detect, then recognise the detected boxes, print and draw them.
// Only the build changes to use ocrserve: include/mmdeploy/ and -locrserve. Usage:
//   mmdeploy_ocr_demo DEVICE DET_MODEL_DIR REC_MODEL_DIR IMAGE
#include <cstdio>
#include <vector>

#include <opencv2/imgcodecs/imgcodecs.hpp>
#include <opencv2/imgproc/imgproc.hpp>

#include "mmdeploy/text_detector.h"
#include "mmdeploy/text_recognizer.h"

int main(int argc, char* argv[]) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s device_name det_model_path rec_model_path image_path\n", argv[0]);
    return 1;
  }
  const char* device_name = argv[1];
  cv::Mat img = cv::imread(argv[4]);
  if (!img.data) {
    std::fprintf(stderr, "failed to load image: %s\n", argv[4]);
    return 1;
  }

  mmdeploy_text_detector_t detector{};
  int status = mmdeploy_text_detector_create_by_path(argv[2], device_name, 0, &detector);
  if (status != MMDEPLOY_SUCCESS) {
    std::fprintf(stderr, "failed to create text detector, code: %d\n", status);
    return 1;
  }
  mmdeploy_text_recognizer_t recognizer{};
  status = mmdeploy_text_recognizer_create_by_path(argv[3], device_name, 0, &recognizer);
  if (status != MMDEPLOY_SUCCESS) {
    std::fprintf(stderr, "failed to create text recognizer, code: %d\n", status);
    return 1;
  }

  mmdeploy_mat_t mat{img.data, img.rows, img.cols, 3, MMDEPLOY_PIXEL_FORMAT_BGR, MMDEPLOY_DATA_TYPE_UINT8};
  mmdeploy_text_detection_t* bboxes{};
  int* bbox_count{};
  status = mmdeploy_text_detector_apply(detector, &mat, 1, &bboxes, &bbox_count);
  if (status != MMDEPLOY_SUCCESS) {
    std::fprintf(stderr, "failed to apply text detector, code: %d\n", status);
    return 1;
  }
  std::printf("bbox_count=%d\n", *bbox_count);

  mmdeploy_text_recognition_t* texts{};
  status = mmdeploy_text_recognizer_apply_bbox(recognizer, &mat, 1, bboxes, bbox_count, &texts);
  if (status != MMDEPLOY_SUCCESS) {
    std::fprintf(stderr, "failed to apply text recognizer, code: %d\n", status);
    return 1;
  }

  for (int i = 0; i < *bbox_count; ++i) {
    std::printf("box[%d]: %s\n", i, texts[i].text);
    std::vector<cv::Point> corners;
    for (const auto& pt : bboxes[i].bbox) {
      std::printf("x: %.2f, y: %.2f, ", pt.x, pt.y);
      corners.emplace_back(static_cast<int>(pt.x), static_cast<int>(pt.y));
    }
    std::printf("\n");
    cv::polylines(img, corners, true, cv::Scalar{0, 255, 0});
  }
  cv::imwrite("output_ocr.png", img);

  mmdeploy_text_recognizer_release_result(texts, *bbox_count);
  mmdeploy_text_recognizer_destroy(recognizer);
  mmdeploy_text_detector_release_result(bboxes, bbox_count, 1);
  mmdeploy_text_detector_destroy(detector);
  return 0;
}
