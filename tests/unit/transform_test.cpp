// Transforms, stacking, cropping and reading order on crafted images with known answers.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "ocrserve/error.hpp"
#include "pipeline/reading_order.hpp"
#include "pipeline/width_batches.hpp"
#include "transform/crop.hpp"
#include "transform/transform.hpp"

namespace ocrserve {
namespace {

Sample run(const Json& specs, const cv::Mat& image) { return TransformChain(specs, "test").run(image); }
cv::Mat gray(int w, int h, int value = 100) { return cv::Mat(h, w, CV_8UC3, cv::Scalar::all(value)); }

TEST(Resize, KeepRatioFollowsMmcv) {
  auto s = run(Json::array({{{"type", "Resize"}, {"scale", {960, 960}}, {"keep_ratio", true}}}), gray(200, 100));
  EXPECT_EQ(s.image.size(), cv::Size(960, 480));
  EXPECT_DOUBLE_EQ(s.scale_x, 4.8);
  s = run(Json::array({{{"type", "Resize"}, {"scale", {960, 960}}, {"keep_ratio", true}, {"allow_upscale", false}}}),
          gray(200, 100));
  EXPECT_EQ(s.image.size(), cv::Size(200, 100));
  EXPECT_DOUBLE_EQ(s.scale_x, 1.0);
  s = run(Json::array({{{"type", "Resize"}, {"scale", {4068, 1024}}, {"keep_ratio", true}}}), gray(1280, 720));
  EXPECT_EQ(s.image.size(), cv::Size(1820, 1024));
  s = run(Json::array({{{"type", "Resize"}, {"scale", {100, 32}}, {"keep_ratio", false}}}), gray(50, 50));
  EXPECT_EQ(s.image.size(), cv::Size(100, 32));
  EXPECT_DOUBLE_EQ(s.scale_y, 32.0 / 50);
}

// scale and mmdeploy's size are both [w, h] (mmcv 2.x Resize; mmdeploy's exporter renames scale
// to size unchanged and its SDK reads size[0] as the width), and keep_ratio is false unless
// given, as in mmcv and the SDK: the image becomes exactly w x h.
TEST(Resize, ScaleAndSizeAreWidthThenHeightAndKeepRatioDefaultsToFalse) {
  for (const char* key : {"scale", "size"}) {
    const auto s = run(Json::array({{{"type", "Resize"}, {key, {100, 32}}}}), gray(50, 50));
    EXPECT_EQ(s.image.size(), cv::Size(100, 32)) << key;
    EXPECT_EQ(s.resized_size, cv::Size(100, 32)) << key;
    EXPECT_DOUBLE_EQ(s.scale_x, 2.0) << key;
    EXPECT_DOUBLE_EQ(s.scale_y, 32.0 / 50) << key;
  }
  EXPECT_EQ(run(Json::array({{{"type", "Resize"}, {"size", 48}}}), gray(50, 20)).image.size(), cv::Size(48, 48));
  // keep_ratio follows mmcv's rule, which does not depend on the order.
  EXPECT_EQ(run(Json::array({{{"type", "Resize"}, {"size", {1333, 736}}, {"keep_ratio", true}}}), gray(1000, 500)).image.size(),
            run(Json::array({{{"type", "Resize"}, {"size", {736, 1333}}, {"keep_ratio", true}}}), gray(1000, 500)).image.size());
}

TEST(Resize, RescaleToHeight) {
  const cv::Mat line = gray(100, 25);
  EXPECT_EQ(run(Json::array({{{"type", "RescaleToHeight"}, {"height", 48}}}), line).image.size(), cv::Size(192, 48));
  EXPECT_EQ(run(Json::array({{{"type", "RescaleToHeight"}, {"height", 48}, {"max_width", 160}}}), line).image.size(),
            cv::Size(160, 48));
  // 100 * 32 / 30 = 106.7 → 107 → rounded up to a multiple of 16: 112.
  EXPECT_EQ(run(Json::array({{{"type", "RescaleToHeight"}, {"height", 32}, {"width_divisor", 16}}}), gray(100, 30)).image.cols, 112);
  EXPECT_EQ(run(Json::array({{{"type", "RescaleToHeight"}, {"height", 32}, {"min_width", 64}}}), gray(10, 32)).image.cols, 64);
  // MMOCR 1.x rounds to the nearest multiple with Python's round, half to even, after clamping:
  // 40 / 16 = 2.5 → 32 (mmdeploy's SDK rounds half up: 48), 56 / 16 = 3.5 → 64, and a
  // max_width of 100 gives 96 (100 / 16 = 6.25), not a width above the maximum.
  const Json by16 = {{"type", "RescaleToHeight"}, {"height", 32}, {"width_divisor", 16}};
  EXPECT_EQ(run(Json::array({by16}), gray(40, 32)).image.cols, 32);
  EXPECT_EQ(run(Json::array({by16}), gray(56, 32)).image.cols, 64);
  Json capped = by16;
  capped["max_width"] = 100;
  EXPECT_EQ(run(Json::array({capped}), gray(400, 32)).image.cols, 96);
  // CRNN's test pipeline (min_width 32, width_divisor 16) on the 206 x 182 demo word: 37 → 32.
  Json crnn = by16;
  crnn["min_width"] = 32;
  EXPECT_EQ(run(Json::array({crnn}), gray(206, 182)).image.cols, 32);
  // A width that rounds to 0 is one divisor wide.
  EXPECT_EQ(run(Json::array({by16}), gray(6, 32)).image.cols, 16);
}

TEST(Normalize, MeanStdAndChannelOrder) {
  const cv::Mat pixel(1, 1, CV_8UC3, cv::Scalar(10, 20, 30));  // B G R
  const auto s = run(Json::array({{{"type", "Normalize"}, {"mean", {1, 2, 3}}, {"std", {2, 4, 8}}, {"to_rgb", true}}}), pixel);
  ASSERT_EQ(s.image.type(), CV_32FC3);
  const auto v = s.image.at<cv::Vec3f>(0, 0);
  EXPECT_FLOAT_EQ(v[0], (30 - 1) / 2.0f);  // R first after to_rgb
  EXPECT_FLOAT_EQ(v[1], (20 - 2) / 4.0f);
  EXPECT_FLOAT_EQ(v[2], (10 - 3) / 8.0f);
}

TEST(Pad, SizeDivisorAndWidth) {
  const Json normalize = {{"type", "Normalize"}, {"mean", {0, 0, 0}}, {"std", {1, 1, 1}}};
  auto s = run(Json::array({normalize, {{"type", "Pad"}, {"size_divisor", 32}, {"pad_val", 7}}}), gray(100, 50));
  EXPECT_EQ(s.image.size(), cv::Size(128, 64));
  EXPECT_FLOAT_EQ(s.image.at<cv::Vec3f>(63, 127)[0], 7.0f);
  EXPECT_FLOAT_EQ(s.image.at<cv::Vec3f>(49, 99)[0], 100.0f);
  EXPECT_EQ(s.resized_size, cv::Size(100, 50));  // padding does not count as content
  EXPECT_EQ(run(Json::array({{{"type", "Pad"}, {"size", {200, 100}}}}), gray(100, 50)).image.size(), cv::Size(200, 100));
  EXPECT_EQ(run(Json::array({{{"type", "PadToWidth"}, {"width", 320}}}), gray(192, 48)).image.cols, 320);
  EXPECT_EQ(run(Json::array({{{"type", "PadToWidth"}, {"width", 320}}}), gray(400, 48)).image.cols, 400);
}

TEST(Margin, RepeatsTheEdgeAndRecordsTheOffsetThroughResizing) {
  cv::Mat image = gray(100, 50);
  image.col(0).setTo(cv::Scalar::all(7));
  auto s = run(Json::array({{{"type", "Margin"}, {"size", 16}}}), image);
  EXPECT_EQ(s.image.size(), cv::Size(132, 82));
  EXPECT_EQ(s.image.at<cv::Vec3b>(40, 0)[0], 7);  // the left edge repeated
  EXPECT_DOUBLE_EQ(s.offset_x, 16.0);
  s = run(Json::array({{{"type", "Margin"}, {"size", 16}}, {{"type", "Resize"}, {"scale", {66, 66}}, {"keep_ratio", true}}}),
          image);
  EXPECT_EQ(s.image.size(), cv::Size(66, 41));
  EXPECT_DOUBLE_EQ(s.offset_x, 8.0);
  EXPECT_DOUBLE_EQ(s.scale_x, 0.5);
  EXPECT_EQ(run(Json::array({{{"type", "Margin"}, {"size", 0}}}), image).image.size(), cv::Size(100, 50));
  EXPECT_THROW(run(Json::array({{{"type", "Margin"}, {"size", -1}}}), image), Error);
}

TEST(TransformChain, MmdeployPipelineAndStacking) {
  const Json specs = Json::array({{{"type", "LoadImageFromFile"}},
                                  {{"type", "Resize"}, {"scale", {64, 64}}, {"keep_ratio", true}},
                                  {{"type", "Normalize"}, {"mean", {0, 0, 0}}, {"std", {1, 1, 1}}},
                                  {{"type", "Pad"}, {"size_divisor", 32}},
                                  {{"type", "DefaultFormatBundle"}},
                                  {{"type", "Collect"}, {"keys", {"img"}}}});
  const TransformChain chain(specs, "test");
  const Sample wide = chain.run(gray(128, 32, 10));
  const Sample tall = chain.run(gray(16, 64, 20));
  EXPECT_EQ(wide.image.size(), cv::Size(64, 32));
  EXPECT_EQ(tall.image.size(), cv::Size(32, 64));
  const Tensor batch = stack_samples({wide, tall});
  ASSERT_EQ(batch.shape, (std::vector<int64_t>{2, 3, 64, 64}));
  const size_t plane = 64 * 64;
  EXPECT_FLOAT_EQ(batch.data[0], 10.0f);                         // item 0, channel 0, (0, 0)
  EXPECT_EQ(wide.resized_size, cv::Size(64, 16));                 // 128 x 32 halved, then padded to 32 rows
  EXPECT_FLOAT_EQ(batch.data[2 * plane + 15 * 64 + 63], 10.0f);  // item 0, channel 2, last content pixel
  EXPECT_FLOAT_EQ(batch.data[40 * 64 + 10], 0.0f);               // item 0 padding below its content
  EXPECT_FLOAT_EQ(batch.data[3 * plane + 63 * 64 + 15], 20.0f);  // item 1, channel 0, bottom row
}

TEST(TransformChain, ErrorsNameTheTransform) {
  try {
    TransformChain(Json::array({{{"type", "Sharpen"}}}), "pipeline.json: transforms");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::unsupported);
    EXPECT_NE(std::string(e.what()).find("Sharpen"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("transforms[0]"), std::string::npos);
  }
  try {
    TransformChain(Json::array({{{"type", "Resize"}}}), "t");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::bad_input);
    EXPECT_NE(std::string(e.what()).find("scale"), std::string::npos);
  }
  EXPECT_THROW(TransformChain(Json::array({{{"type", "Normalize"}, {"std", {1, 0, 1}}}}), "t"), Error);
}

TEST(Crop, UprightRegionsAndTallOnesRotated) {
  cv::Mat image(100, 200, CV_8UC3, cv::Scalar(0, 0, 0));
  cv::rectangle(image, cv::Rect(20, 30, 60, 20), cv::Scalar(255, 255, 255), cv::FILLED);
  const cv::Mat crop = crop_text_region(image, {{20, 30}, {80, 30}, {80, 50}, {20, 50}});
  EXPECT_EQ(crop.size(), cv::Size(60, 20));
  EXPECT_GT(cv::mean(crop)[0], 240);
  const cv::Mat tall = crop_text_region(image, {{150, 10}, {170, 10}, {170, 90}, {150, 90}});
  EXPECT_GT(tall.cols, tall.rows);  // rotated to lie down
  const cv::Mat hexagon = crop_text_region(image, {{20, 30}, {50, 28}, {80, 30}, {80, 50}, {50, 52}, {20, 50}});
  EXPECT_NEAR(hexagon.cols, 60, 2);
  EXPECT_NEAR(hexagon.rows, 24, 2);
}

TEST(ReadingOrder, LinesTopToBottomThenLeftToRight) {
  auto box = [](float x, float y) { return Polygon{{x, y}, {x + 40, y}, {x + 40, y + 20}, {x, y + 20}}; };
  // Shuffled: second line (y 100) right word, first line left word, first line right word (a
  // little lower), second line left word.
  const std::vector<Polygon> boxes = {box(200, 100), box(10, 10), box(200, 14), box(10, 102)};
  EXPECT_EQ(reading_order(boxes), (std::vector<size_t>{1, 2, 3, 0}));
}

TEST(WidthBatches, GroupsByAspectRatio) {
  // Sorted by width: 100, 105 | 110, 120 (batch size 2) | 300 (over 1.25 times 110).
  const std::vector<cv::Mat> crops = {gray(300, 30), gray(110, 30), gray(100, 30), gray(120, 30), gray(105, 30)};
  const auto batches = width_batches(crops, 2);
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0], (std::vector<size_t>{2, 4}));
  EXPECT_EQ(batches[1], (std::vector<size_t>{1, 3}));
  EXPECT_EQ(batches[2], (std::vector<size_t>{0}));
  EXPECT_EQ(width_batches(crops, 8).size(), 2u);  // 100..120 together, 300 alone
}

}  // namespace
}  // namespace ocrserve
