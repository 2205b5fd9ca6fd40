// DB postprocessing on crafted probability maps with known answers.
#include <gtest/gtest.h>

#include "codec/codec.hpp"
#include "ocrserve/error.hpp"

namespace ocrserve {
namespace {

// A [N,1,H,W] map with `value` in each rectangle (x0, y0, x1, y1 inclusive) of each image.
Tensor map_with(int width, int height, const std::vector<std::vector<std::array<int, 4>>>& images, float value = 0.9f) {
  Tensor tensor;
  tensor.shape = {static_cast<int64_t>(images.size()), 1, height, width};
  tensor.data.assign(Tensor::element_count(tensor.shape), 0.0f);
  for (size_t n = 0; n < images.size(); ++n) {
    for (const auto& [x0, y0, x1, y1] : images[n]) {
      for (int y = y0; y <= y1; ++y) {
        for (int x = x0; x <= x1; ++x) tensor.data[n * width * height + y * width + x] = value;
      }
    }
  }
  return tensor;
}

std::unique_ptr<DetectionCodec> db(const Json& params = Json::object()) { return make_detection_codec("DBHead", params, {"test", {}}); }

float min_x(const Polygon& p) { return std::min_element(p.begin(), p.end(), [](auto a, auto b) { return a.x < b.x; })->x; }
float max_x(const Polygon& p) { return std::max_element(p.begin(), p.end(), [](auto a, auto b) { return a.x < b.x; })->x; }
float min_y(const Polygon& p) { return std::min_element(p.begin(), p.end(), [](auto a, auto b) { return a.y < b.y; })->y; }
float max_y(const Polygon& p) { return std::max_element(p.begin(), p.end(), [](auto a, auto b) { return a.y < b.y; })->y; }

TEST(DbCodec, TwoRectanglesGiveTwoUnclippedQuads) {
  // Pixels x 20..59, y 30..39: the contour runs through pixel centres, a 39 x 9 rectangle with
  // area 351 and perimeter 96, so unclip moves each side out by 351 * 1.5 / 96 = 5.48 px:
  // x 14.5..64.5, y 24.5..44.5. The second, x 10..29, y 60..69 (19 x 9): 171 * 1.5 / 56 = 4.58 px.
  const Tensor map = map_with(100, 80, {{{20, 30, 59, 39}, {10, 60, 29, 69}}});
  const auto result = db()->decode({map}, 0, {100, 80, 1.0, 1.0});
  ASSERT_EQ(result.size(), 2u);
  const auto& first = result[0].polygon;
  ASSERT_EQ(first.size(), 4u);
  EXPECT_NEAR(min_x(first), 14.5, 1.0);
  EXPECT_NEAR(max_x(first), 64.5, 1.0);
  EXPECT_NEAR(min_y(first), 24.5, 1.0);
  EXPECT_NEAR(max_y(first), 44.5, 1.0);
  EXPECT_NEAR(result[0].score, 0.9, 1e-4);
  const auto& second = result[1].polygon;
  EXPECT_NEAR(min_x(second), 5.4, 1.0);
  EXPECT_NEAR(max_x(second), 33.6, 1.0);
  EXPECT_NEAR(min_y(second), 55.4, 1.0);
  EXPECT_NEAR(max_y(second), 73.6, 1.0);
}

TEST(DbCodec, VerticesAreClockwiseFromTheTopLeft) {
  const Tensor map = map_with(100, 80, {{{20, 30, 59, 39}}});
  const auto polygon = db()->decode({map}, 0, {100, 80, 1.0, 1.0}).at(0).polygon;
  EXPECT_NEAR(polygon[0].x, min_x(polygon), 1e-3);
  EXPECT_NEAR(polygon[0].y, min_y(polygon), 1e-3);
  double twice_area = 0;
  for (size_t i = 0; i < polygon.size(); ++i) {
    const auto& a = polygon[i];
    const auto& b = polygon[(i + 1) % polygon.size()];
    twice_area += a.x * b.y - b.x * a.y;
  }
  EXPECT_GT(twice_area, 0);  // clockwise with y pointing down
  EXPECT_GT(polygon[1].x, polygon[0].x);  // the next vertex is the top-right
}

TEST(DbCodec, ScaleMapsBackToTheOriginalAndClips) {
  const Tensor map = map_with(100, 80, {{{20, 30, 59, 39}, {90, 70, 99, 79}}});
  // The network saw the image at half size: coordinates double, then clip to 200 x 160.
  const auto result = db()->decode({map}, 0, {190, 150, 0.5, 0.5});
  ASSERT_EQ(result.size(), 2u);
  EXPECT_NEAR(min_x(result[0].polygon), 29.0, 2.0);
  EXPECT_NEAR(max_x(result[0].polygon), 129.0, 2.0);
  EXPECT_NEAR(min_y(result[0].polygon), 49.0, 2.0);
  EXPECT_NEAR(max_y(result[0].polygon), 89.0, 2.0);
  for (const auto& p : result[1].polygon) {
    EXPECT_LE(p.x, 189.0f);
    EXPECT_LE(p.y, 149.0f);
  }
  EXPECT_FLOAT_EQ(max_x(result[1].polygon), 189.0f);
}

TEST(DbCodec, LowScoresAndSmallBlobsAreDropped) {
  Tensor map = map_with(100, 80, {{{20, 30, 59, 39}}}, 0.35f);
  EXPECT_TRUE(db({{"min_text_score", 0.4}})->decode({map}, 0, {100, 80, 1, 1}).empty());
  EXPECT_EQ(db({{"min_text_score", 0.3}})->decode({map}, 0, {100, 80, 1, 1}).size(), 1u);
  const Tensor blob = map_with(100, 80, {{{50, 50, 51, 51}}});
  EXPECT_TRUE(db()->decode({blob}, 0, {100, 80, 1, 1}).empty());
  const Tensor empty = map_with(100, 80, {{}});
  EXPECT_TRUE(db()->decode({empty}, 0, {100, 80, 1, 1}).empty());
}

TEST(DbCodec, PolyModeFollowsAnLShape) {
  const Tensor map = map_with(120, 120, {{{20, 20, 99, 39}, {20, 40, 39, 99}}});
  const auto result = db({{"text_repr_type", "poly"}})->decode({map}, 0, {120, 120, 1, 1});
  ASSERT_EQ(result.size(), 1u);
  EXPECT_GE(result[0].polygon.size(), 6u);
  EXPECT_LT(min_x(result[0].polygon), 20);
  EXPECT_GT(max_x(result[0].polygon), 99);
}

TEST(DbCodec, DecodesTheRequestedBatchItem) {
  const Tensor map = map_with(100, 80, {{{20, 30, 59, 39}}, {{10, 10, 29, 19}, {50, 50, 89, 59}}});
  EXPECT_EQ(db()->decode({map}, 0, {100, 80, 1, 1}).size(), 1u);
  EXPECT_EQ(db()->decode({map}, 1, {100, 80, 1, 1}).size(), 2u);
  EXPECT_THROW(db()->decode({map}, 2, {100, 80, 1, 1}), Error);
}

TEST(DbCodec, BadParamsNameTheField) {
  try {
    db({{"mask_thr", "x"}});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::bad_input);
    EXPECT_NE(std::string(e.what()).find("mask_thr"), std::string::npos);
  }
  try {
    db({{"text_repr_type", "circle"}});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("text_repr_type"), std::string::npos);
  }
  try {
    make_detection_codec("NoSuchHead", Json::object(), {"test", {}});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::unsupported);
    EXPECT_NE(std::string(e.what()).find("DBHead"), std::string::npos);  // the known names are listed
  }
}

}  // namespace
}  // namespace ocrserve
