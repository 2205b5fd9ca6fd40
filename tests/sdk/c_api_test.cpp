// The C API of libocrserve.so (include/ocrserve/c/) on the real default models: status codes and
// messages for every argument a caller can get wrong, pixel formats, and results that agree with
// the C++ pipeline they wrap.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "ocrserve/c/ocr.h"
#include "ocrserve/c/text_detector.h"
#include "ocrserve/c/text_recognizer.h"

namespace {

const std::string kModels = OCRSERVE_MODELS_DIR;
const std::string kDemo = std::string(OCRSERVE_DATA_DIR) + "/mmocr/demo/";

ocrserve_mat_t wrap(const cv::Mat& image, ocrserve_pixel_format_t format) {
  return {image.data, image.rows, image.cols, image.channels(), format, OCRSERVE_DATA_TYPE_UINT8, nullptr};
}

struct Detections {
  std::vector<ocrserve_text_detection_t> boxes;
  int status = -1;
};

Detections detect(ocrserve_text_detector_t detector, const ocrserve_mat_t& mat) {
  ocrserve_text_detection_t* boxes = nullptr;
  int* counts = nullptr;
  Detections result;
  result.status = ocrserve_text_detector_apply(detector, &mat, 1, &boxes, &counts);
  if (result.status == OCRSERVE_SUCCESS) {
    result.boxes.assign(boxes, boxes + counts[0]);
    ocrserve_text_detector_release_result(boxes, counts, 1);
  }
  return result;
}

class CApi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_EQ(ocrserve_text_detector_create_by_path((kModels + "/ppocr-det").c_str(), "cpu", 0, &detector_), 0)
        << ocrserve_last_error();
    ASSERT_EQ(ocrserve_text_recognizer_create_by_path((kModels + "/ppocr-rec").c_str(), "cpu", 0, &recognizer_), 0)
        << ocrserve_last_error();
  }
  static void TearDownTestSuite() {
    ocrserve_text_detector_destroy(detector_);
    ocrserve_text_recognizer_destroy(recognizer_);
  }
  static ocrserve_text_detector_t detector_;
  static ocrserve_text_recognizer_t recognizer_;
  const cv::Mat image_ = cv::imread(kDemo + "demo_text_det.jpg");
};
ocrserve_text_detector_t CApi::detector_ = nullptr;
ocrserve_text_recognizer_t CApi::recognizer_ = nullptr;

TEST(CApiHandles, MissingPackagesUnsupportedDevicesAndNullArgumentsGetStatusAndMessage) {
  ocrserve_text_detector_t detector = nullptr;
  EXPECT_EQ(ocrserve_text_detector_create_by_path("/no/such/package", "cpu", 0, &detector), OCRSERVE_E_FILE_NOT_EXIST);
  EXPECT_NE(std::string(ocrserve_last_error()).find("/no/such/package"), std::string::npos) << ocrserve_last_error();
  EXPECT_EQ(detector, nullptr);

  EXPECT_EQ(ocrserve_text_detector_create_by_path((kModels + "/ppocr-det").c_str(), "cuda", 1, &detector),
            OCRSERVE_E_NOT_SUPPORTED);
  EXPECT_NE(std::string(ocrserve_last_error()).find("device \"cuda:1\""), std::string::npos) << ocrserve_last_error();
  EXPECT_EQ(ocrserve_text_detector_create_by_path((kModels + "/ppocr-det").c_str(), nullptr, 0, &detector),
            OCRSERVE_E_INVALID_ARG);
  EXPECT_EQ(ocrserve_text_detector_create_by_path(nullptr, "cpu", 0, &detector), OCRSERVE_E_INVALID_ARG);

  // A recognition package is not a detector.
  EXPECT_NE(ocrserve_text_detector_create_by_path((kModels + "/ppocr-rec").c_str(), "cpu", 0, &detector),
            OCRSERVE_SUCCESS);
  EXPECT_FALSE(std::string(ocrserve_last_error()).empty());

  // Model handles: a folder, never a file; a success clears the last error.
  ocrserve_model_t model = nullptr;
  EXPECT_EQ(ocrserve_model_create_by_path((kModels + "/ppocr-det/deploy.json").c_str(), &model), OCRSERVE_E_NOT_SUPPORTED);
  EXPECT_EQ(ocrserve_model_create_by_path((kModels + "/nothing").c_str(), &model), OCRSERVE_E_FILE_NOT_EXIST);
  ASSERT_EQ(ocrserve_model_create_by_path((kModels + "/ppocr-det").c_str(), &model), OCRSERVE_SUCCESS);
  EXPECT_STREQ(ocrserve_last_error(), "");
  ASSERT_EQ(ocrserve_text_detector_create(model, "cpu", 0, &detector), OCRSERVE_SUCCESS) << ocrserve_last_error();
  ocrserve_model_destroy(model);  // the handle made from it keeps working
  const cv::Mat image = cv::imread(kDemo + "demo_text_det.jpg");
  EXPECT_GT(detect(detector, wrap(image, OCRSERVE_PIXEL_FORMAT_BGR)).boxes.size(), 5u);
  ocrserve_text_detector_destroy(detector);
  EXPECT_STREQ(ocrserve_version(), "0.1.0");
}

TEST_F(CApi, MalformedImagesAreRefusedWithTheImageNamed) {
  ocrserve_mat_t mat = wrap(image_, OCRSERVE_PIXEL_FORMAT_BGR);
  mat.data = nullptr;
  EXPECT_EQ(detect(detector_, mat).status, OCRSERVE_E_INVALID_ARG);
  EXPECT_STREQ(ocrserve_last_error(), "image 0: data is NULL");
  mat = wrap(image_, OCRSERVE_PIXEL_FORMAT_BGR);
  mat.width = 0;
  EXPECT_EQ(detect(detector_, mat).status, OCRSERVE_E_INVALID_ARG);
  mat = wrap(image_, OCRSERVE_PIXEL_FORMAT_BGR);
  mat.type = OCRSERVE_DATA_TYPE_FLOAT;
  EXPECT_EQ(detect(detector_, mat).status, OCRSERVE_E_NOT_SUPPORTED);
  mat = wrap(image_, OCRSERVE_PIXEL_FORMAT_BGRA);  // 3 channels given, BGRA has 4
  EXPECT_EQ(detect(detector_, mat).status, OCRSERVE_E_INVALID_ARG);
  EXPECT_NE(std::string(ocrserve_last_error()).find("not 3"), std::string::npos) << ocrserve_last_error();
  mat = wrap(image_, OCRSERVE_PIXEL_FORMAT_BGR);
  const int unknown_format = 42;  // what a caller's C code may store there
  std::memcpy(&mat.format, &unknown_format, sizeof unknown_format);
  EXPECT_EQ(detect(detector_, mat).status, OCRSERVE_E_NOT_SUPPORTED);
  EXPECT_STREQ(ocrserve_last_error(), "image 0: unknown pixel format 42");

  ocrserve_text_detection_t* boxes = nullptr;
  int* counts = nullptr;
  mat = wrap(image_, OCRSERVE_PIXEL_FORMAT_BGR);
  EXPECT_EQ(ocrserve_text_detector_apply(detector_, &mat, 0, &boxes, &counts), OCRSERVE_E_INVALID_ARG);
  EXPECT_EQ(ocrserve_text_detector_apply(nullptr, &mat, 1, &boxes, &counts), OCRSERVE_E_INVALID_ARG);
  EXPECT_EQ(ocrserve_text_detector_apply(detector_, &mat, 1, nullptr, &counts), OCRSERVE_E_INVALID_ARG);
  EXPECT_EQ(boxes, nullptr);

  ocrserve_text_recognition_t* texts = nullptr;
  const ocrserve_text_detection_t box{{{10, 10}, {50, 10}, {50, 30}, {10, 30}}, 1};
  const int negative = -1;
  EXPECT_EQ(ocrserve_text_recognizer_apply_bbox(recognizer_, &mat, 1, &box, &negative, &texts), OCRSERVE_E_INVALID_ARG);
  EXPECT_EQ(ocrserve_text_recognizer_apply_bbox(recognizer_, &mat, 1, &box, nullptr, &texts), OCRSERVE_E_INVALID_ARG);
  EXPECT_EQ(texts, nullptr);
}

TEST_F(CApi, EveryPixelFormatFindsTheSameText) {
  const Detections bgr = detect(detector_, wrap(image_, OCRSERVE_PIXEL_FORMAT_BGR));
  ASSERT_EQ(bgr.status, OCRSERVE_SUCCESS);
  ASSERT_GT(bgr.boxes.size(), 5u);
  cv::Mat rgb, bgra, gray, yuv;
  cv::cvtColor(image_, rgb, cv::COLOR_BGR2RGB);
  cv::cvtColor(image_, bgra, cv::COLOR_BGR2BGRA);
  // RGB and BGRA hold the same pixels: exactly the same boxes.
  for (const auto& [converted, format] : {std::pair{rgb, OCRSERVE_PIXEL_FORMAT_RGB}, {bgra, OCRSERVE_PIXEL_FORMAT_BGRA}}) {
    const Detections same = detect(detector_, wrap(converted, format));
    ASSERT_EQ(same.boxes.size(), bgr.boxes.size()) << format;
    for (size_t i = 0; i < same.boxes.size(); ++i) {
      for (int k = 0; k < 4; ++k) {
        EXPECT_FLOAT_EQ(same.boxes[i].bbox[k].x, bgr.boxes[i].bbox[k].x);
        EXPECT_FLOAT_EQ(same.boxes[i].bbox[k].y, bgr.boxes[i].bbox[k].y);
      }
    }
  }
  // Grey and NV12 lose colour: most of the text is still found.
  cv::cvtColor(image_, gray, cv::COLOR_BGR2GRAY);
  EXPECT_GE(detect(detector_, wrap(gray, OCRSERVE_PIXEL_FORMAT_GRAYSCALE)).boxes.size() + 2, bgr.boxes.size());
  const cv::Mat even = image_(cv::Rect(0, 0, image_.cols & ~1, image_.rows & ~1)).clone();
  cv::cvtColor(even, yuv, cv::COLOR_BGR2YUV_I420);  // I420 → NV12: interleave the U and V planes
  cv::Mat nv12(yuv.rows, yuv.cols, CV_8UC1);
  const int y_size = even.rows * even.cols, quarter = y_size / 4;
  std::copy(yuv.data, yuv.data + y_size, nv12.data);
  for (int i = 0; i < quarter; ++i) {
    nv12.data[y_size + 2 * i] = yuv.data[y_size + i];
    nv12.data[y_size + 2 * i + 1] = yuv.data[y_size + quarter + i];
  }
  ocrserve_mat_t nv12_mat{nv12.data, even.rows, even.cols, 1, OCRSERVE_PIXEL_FORMAT_NV12, OCRSERVE_DATA_TYPE_UINT8, nullptr};
  EXPECT_GE(detect(detector_, nv12_mat).boxes.size() + 2, bgr.boxes.size());
  nv12_mat.height -= 1;
  EXPECT_EQ(detect(detector_, nv12_mat).status, OCRSERVE_E_INVALID_ARG);
}

TEST_F(CApi, RecognizerReadsWholeImagesAndDetectedBoxes) {
  const cv::Mat word = cv::imread(kDemo + "demo_text_recog.jpg");
  const ocrserve_mat_t word_mat = wrap(word, OCRSERVE_PIXEL_FORMAT_BGR);
  ocrserve_text_recognition_t* texts = nullptr;
  ASSERT_EQ(ocrserve_text_recognizer_apply(recognizer_, &word_mat, 1, &texts), OCRSERVE_SUCCESS) << ocrserve_last_error();
  EXPECT_STREQ(texts[0].text, "STAR");
  ASSERT_EQ(texts[0].length, 4);
  for (int i = 0; i < texts[0].length; ++i) EXPECT_GT(texts[0].score[i], 0.5f);
  ocrserve_text_recognizer_release_result(texts, 1);

  // Boxes of two images at once: one result per box, image after image.
  const cv::Mat ocr_image = cv::imread(kDemo + "demo_text_ocr.jpg");
  const ocrserve_mat_t mats[2] = {wrap(image_, OCRSERVE_PIXEL_FORMAT_BGR), wrap(ocr_image, OCRSERVE_PIXEL_FORMAT_BGR)};
  ocrserve_text_detection_t* boxes = nullptr;
  int* counts = nullptr;
  ASSERT_EQ(ocrserve_text_detector_apply(detector_, mats, 2, &boxes, &counts), OCRSERVE_SUCCESS);
  ASSERT_GT(counts[0], 5);
  ASSERT_GT(counts[1], 5);
  ASSERT_EQ(ocrserve_text_recognizer_apply_bbox(recognizer_, mats, 2, boxes, counts, &texts), OCRSERVE_SUCCESS);
  const int first = counts[0], total = counts[0] + counts[1];
  std::vector<std::string> read;
  for (int i = 0; i < total; ++i) read.push_back(texts[i].text);
  ocrserve_text_recognizer_release_result(texts, total);
  ocrserve_text_detector_release_result(boxes, counts, 2);
  EXPECT_NE(std::find(read.begin(), read.begin() + first, "Octavia Hill"), read.begin() + first);
  EXPECT_NE(std::find(read.begin() + first, read.end(), "ALL YEAR"), read.end()) << ::testing::PrintToString(read);
}

TEST_F(CApi, OneHandleSharedByTwoThreadsGivesEachItsOwnAnswer) {
  const Detections alone = detect(detector_, wrap(image_, OCRSERVE_PIXEL_FORMAT_BGR));
  std::vector<Detections> answers(2);
  std::vector<std::thread> threads;
  for (auto& answer : answers) {
    threads.emplace_back([&] { answer = detect(detector_, wrap(image_, OCRSERVE_PIXEL_FORMAT_BGR)); });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& answer : answers) {
    ASSERT_EQ(answer.status, OCRSERVE_SUCCESS);
    EXPECT_EQ(answer.boxes.size(), alone.boxes.size());
  }
}

TEST(CApiOcr, EndToEndWithTheDefaultModelsInReadingOrder) {
  setenv("OCRSERVE_MODELS", kModels.c_str(), 1);
  ocrserve_ocr_t ocr = nullptr;
  EXPECT_EQ(ocrserve_ocr_create_by_path((kModels + "/ppocr-det").c_str(), nullptr, nullptr, "cpu", 0, &ocr),
            OCRSERVE_E_INVALID_ARG);
  ASSERT_EQ(ocrserve_ocr_create_by_path(nullptr, nullptr, nullptr, "cpu", 0, &ocr), OCRSERVE_SUCCESS)
      << ocrserve_last_error();
  const cv::Mat image = cv::imread(kDemo + "demo_text_det.jpg");
  const ocrserve_mat_t mat = wrap(image, OCRSERVE_PIXEL_FORMAT_BGR);
  ocrserve_ocr_line_t* lines = nullptr;
  int* counts = nullptr;
  ASSERT_EQ(ocrserve_ocr_apply(ocr, &mat, 1, &lines, &counts), OCRSERVE_SUCCESS) << ocrserve_last_error();
  ASSERT_GE(counts[0], 8);
  // The plaque reads top to bottom: its title comes before the dates.
  std::vector<std::string> texts;
  for (int i = 0; i < counts[0]; ++i) {
    texts.push_back(lines[i].text);
    EXPECT_GE(lines[i].score, 0.5f);
    EXPECT_LT(lines[i].bbox[0].x, lines[i].bbox[1].x);  // clockwise from the top-left corner
    EXPECT_LT(lines[i].bbox[1].y, lines[i].bbox[2].y);
  }
  const auto title = std::find(texts.begin(), texts.end(), "Octavia Hill");
  const auto dates = std::find(texts.begin(), texts.end(), "1887-90");
  ASSERT_NE(title, texts.end());
  ASSERT_NE(dates, texts.end());
  EXPECT_LT(title, dates);
  ocrserve_ocr_release_result(lines, counts, 1);
  ocrserve_ocr_destroy(ocr);
  unsetenv("OCRSERVE_MODELS");
}

}  // namespace
