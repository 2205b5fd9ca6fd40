// Pictures of results: the text lands inside its polygon on the panel beside the image.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "cli/visualize.hpp"
#include "ocrserve/error.hpp"

namespace ocrserve {
namespace {

int dark_pixels(const cv::Mat& image, cv::Rect area) {
  cv::Mat gray;
  cv::cvtColor(image(area), gray, cv::COLOR_BGR2GRAY);
  return cv::countNonZero(gray < 128);
}

TEST(Visualize, OcrTextIsDrawnInsideItsPolygonOnTheRightPanel) {
  const cv::Mat image(60, 200, CV_8UC3, cv::Scalar(200, 200, 200));
  const OcrResult items = {{{{10, 10}, {110, 10}, {110, 50}, {10, 50}}, 0.9f, "中文 OK", 0.95f}};
  const cv::Mat picture = draw_ocr(image, items);
  ASSERT_EQ(picture.size(), cv::Size(400, 60));
  // Glyphs inside the box on the right panel, nothing outside it but white.
  EXPECT_GT(dark_pixels(picture, cv::Rect(200 + 12, 12, 96, 36)), 40);
  EXPECT_EQ(dark_pixels(picture, cv::Rect(200 + 130, 0, 70, 60)), 0);
}

TEST(Visualize, DetectionsAndRecognitionKeepTheImage) {
  const cv::Mat image(50, 100, CV_8UC3, cv::Scalar(255, 255, 255));
  const cv::Mat boxes = draw_detections(image, {{{{10, 10}, {90, 10}, {90, 40}, {10, 40}}, 0.8f}});
  EXPECT_EQ(boxes.size(), image.size());
  EXPECT_GT(cv::norm(boxes, image, cv::NORM_L1), 0);
  const cv::Mat text = draw_recognition(image, {"STAR", 0.99f, {}});
  EXPECT_GT(text.rows, image.rows);
}

// Text found near the right edge, longer than the room left, is moved left (and made smaller
// when wider than the panel) rather than cut off at the edge.
TEST(Visualize, TextNearTheRightEdgeStaysInsideThePicture) {
  const cv::Mat image(60, 200, CV_8UC3, cv::Scalar(200, 200, 200));
  const OcrResult items = {{{{150, 10}, {190, 10}, {190, 50}, {150, 50}}, 0.9f, "A much longer line of text", 0.9f}};
  const cv::Mat picture = draw_ocr(image, items);
  ASSERT_EQ(picture.size(), cv::Size(400, 60));
  EXPECT_GT(dark_pixels(picture, cv::Rect(200, 0, 190, 60)), 200);
  EXPECT_EQ(dark_pixels(picture, cv::Rect(395, 0, 5, 60)), 0);  // nothing runs into the edge

  const cv::Mat banner = draw_recognition(cv::Mat(30, 100, CV_8UC3, cv::Scalar(255, 255, 255)),
                                          {"a recognised line far wider than the picture", 0.9f, {}});
  ASSERT_EQ(banner.cols, 240);
  const cv::Rect below(0, 30, 240, banner.rows - 30);
  EXPECT_GT(dark_pixels(banner, below), 50);
  EXPECT_EQ(dark_pixels(banner, cv::Rect(236, 30, 4, banner.rows - 30)), 0);
}

TEST(Visualize, UnwritablePathIsBadInput) {
  try {
    write_png(cv::Mat(4, 4, CV_8UC3), "/nonexistent-dir/out.png");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::bad_input);
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/out.png"), std::string::npos);
  }
}

}  // namespace
}  // namespace ocrserve
