// DB postprocessing on crafted probability maps with answers computed by hand.
//
// How to read the expected coordinates: cv::findContours puts the contour of a filled block of
// pixels x0..x1, y0..y1 through the centres of its boundary pixels, i.e. the rectangle
// (x0, y0)-(x1, y1) of width x1 - x0 and height y1 - y0. Unclip moves every side out by
// d = area * unclip_ratio / perimeter, and Clipper works on integers, rounding each moved side
// to the nearest integer. So the quad is (x0 - d, y0 - d)-(x1 + d, y1 + d), each rounded.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "codec/codec.hpp"
#include "ocrserve/error.hpp"
#include "support/errors.hpp"

namespace ocrserve {
namespace {

using test::error_of;

using Rect = std::array<int, 4>;  // x0, y0, x1, y1, inclusive

// A [N,1,H,W] map with `value` in each rectangle of each image, 0 elsewhere.
Tensor map_with(int width, int height, const std::vector<std::vector<Rect>>& images, float value = 0.9f) {
  Tensor tensor;
  tensor.shape = {static_cast<int64_t>(images.size()), 1, height, width};
  tensor.data.assign(static_cast<size_t>(Tensor::element_count(tensor.shape)), 0.0f);
  for (size_t n = 0; n < images.size(); ++n) {
    for (const auto& [x0, y0, x1, y1] : images[n]) {
      for (int y = y0; y <= y1; ++y) {
        for (int x = x0; x <= x1; ++x) tensor.data[(n * height + y) * width + x] = value;
      }
    }
  }
  return tensor;
}

std::unique_ptr<DetectionCodec> db(const Json& params = Json::object()) {
  return make_detection_codec("DBHead", params, {"test", {}});
}

// Geometry of an image the network saw unscaled.
ImageGeometry same_size(int width, int height) { return {width, height, 1.0, 1.0}; }

float min_x(const Polygon& p) { return std::min_element(p.begin(), p.end(), [](auto a, auto b) { return a.x < b.x; })->x; }
float max_x(const Polygon& p) { return std::max_element(p.begin(), p.end(), [](auto a, auto b) { return a.x < b.x; })->x; }
float min_y(const Polygon& p) { return std::min_element(p.begin(), p.end(), [](auto a, auto b) { return a.y < b.y; })->y; }
float max_y(const Polygon& p) { return std::max_element(p.begin(), p.end(), [](auto a, auto b) { return a.y < b.y; })->y; }

// Twice the signed area; positive means clockwise on screen (y pointing down).
double twice_signed_area(const Polygon& polygon) {
  double sum = 0;
  for (size_t i = 0; i < polygon.size(); ++i) {
    const Point& a = polygon[i];
    const Point& b = polygon[(i + 1) % polygon.size()];
    sum += static_cast<double>(a.x) * b.y - static_cast<double>(b.x) * a.y;
  }
  return sum;
}

void expect_clockwise_from_top_left(const Polygon& polygon) {
  ASSERT_GE(polygon.size(), 3u);
  EXPECT_GT(twice_signed_area(polygon), 0);
  for (const Point& p : polygon) EXPECT_LE(polygon[0].x + polygon[0].y, p.x + p.y + 1e-4f);
}

void expect_bad_param(const Json& params, const std::string& field) {
  const Error e = error_of([&] { db(params); });
  EXPECT_EQ(e.kind(), ErrorKind::bad_input) << params.dump();
  EXPECT_EQ(std::string(e.what()).rfind("test: ", 0), 0u) << e.what();  // starts with context.where
  EXPECT_NE(std::string(e.what()).find("\"" + field + "\""), std::string::npos) << e.what();
}

TEST(DbCodec, TwoRectanglesGiveTwoUnclippedQuads) {
  // A: pixels x 20..59, y 30..39 -> contour rectangle 39 x 9, area 351, perimeter 96,
  //    d = 351 * 1.5 / 96 = 5.484: x 14.516..64.484, y 24.516..44.484 (Clipper: 15..64, 25..44).
  // B: pixels x 10..29, y 60..69 -> 19 x 9, area 171, perimeter 56,
  //    d = 171 * 1.5 / 56 = 4.580: x 5.420..33.580, y 55.420..73.580 (Clipper: 5..34, 55..74).
  const Tensor map = map_with(100, 80, {{{20, 30, 59, 39}, {10, 60, 29, 69}}});
  const auto result = db()->decode({map}, 0, same_size(100, 80));
  ASSERT_EQ(result.size(), 2u);

  const Polygon& a = result[0].polygon;
  ASSERT_EQ(a.size(), 4u);
  EXPECT_NEAR(min_x(a), 14.516, 1.0);
  EXPECT_NEAR(max_x(a), 64.484, 1.0);
  EXPECT_NEAR(min_y(a), 24.516, 1.0);
  EXPECT_NEAR(max_y(a), 44.484, 1.0);
  EXPECT_FLOAT_EQ(min_x(a), 15.0f);  // exactly Clipper's rounding
  EXPECT_FLOAT_EQ(max_x(a), 64.0f);
  // An axis-aligned rectangle: the four corners, clockwise from the top-left.
  EXPECT_NEAR(a[0].x, min_x(a), 1e-3);
  EXPECT_NEAR(a[0].y, min_y(a), 1e-3);
  EXPECT_NEAR(a[1].x, max_x(a), 1e-3);
  EXPECT_NEAR(a[1].y, min_y(a), 1e-3);
  EXPECT_NEAR(a[2].x, max_x(a), 1e-3);
  EXPECT_NEAR(a[2].y, max_y(a), 1e-3);
  EXPECT_NEAR(a[3].x, min_x(a), 1e-3);
  EXPECT_NEAR(a[3].y, max_y(a), 1e-3);
  EXPECT_NEAR(result[0].score, 0.9, 1e-5);

  const Polygon& b = result[1].polygon;
  ASSERT_EQ(b.size(), 4u);
  EXPECT_NEAR(min_x(b), 5.420, 1.0);
  EXPECT_NEAR(max_x(b), 33.580, 1.0);
  EXPECT_NEAR(min_y(b), 55.420, 1.0);
  EXPECT_NEAR(max_y(b), 73.580, 1.0);
  EXPECT_NEAR(result[1].score, 0.9, 1e-5);
}

TEST(DbCodec, ZeroUnclipRatioKeepsTheContour) {
  // d = 0: the quad is the contour itself, through the boundary pixel centres.
  const Tensor map = map_with(100, 80, {{{20, 30, 59, 39}}});
  const auto result = db({{"unclip_ratio", 0.0}})->decode({map}, 0, same_size(100, 80));
  ASSERT_EQ(result.size(), 1u);
  EXPECT_NEAR(min_x(result[0].polygon), 20, 1e-3);
  EXPECT_NEAR(max_x(result[0].polygon), 59, 1e-3);
  EXPECT_NEAR(min_y(result[0].polygon), 30, 1e-3);
  EXPECT_NEAR(max_y(result[0].polygon), 39, 1e-3);
}

TEST(DbCodec, ALongThinLineNeedsEveryContourPoint) {
  // A printed line as DB's shrunk map shows it: 600 x 4 pixels. MMOCR's approximation
  // (epsilon 0.01 x perimeter = 12 px, wider than the line) leaves two points and drops it;
  // epsilon_ratio 0 (PaddleOCR's decoding, the ppocr-det preset) keeps it.
  const Tensor map = map_with(700, 40, {{{50, 20, 649, 23}}});
  EXPECT_TRUE(db()->decode({map}, 0, same_size(700, 40)).empty());
  const auto result = db({{"epsilon_ratio", 0}})->decode({map}, 0, same_size(700, 40));
  ASSERT_EQ(result.size(), 1u);
  EXPECT_LT(min_x(result[0].polygon), 50);
  EXPECT_GT(max_x(result[0].polygon), 649);
  EXPECT_LT(min_y(result[0].polygon), 20);
  EXPECT_GT(max_y(result[0].polygon), 23);
}

TEST(DbCodec, MarginIsTakenAwayBeforeScaling) {
  // The network saw the image with a 16 px margin, then at half size: map pixel (x, y) is image
  // pixel (2x - 16, 2y - 16). A region wholly inside the margin is dropped.
  const Tensor map = map_with(100, 80, {{{20, 30, 59, 39}, {0, 0, 5, 5}}});
  const ImageGeometry geometry{200, 160, 0.5, 0.5, 8.0, 8.0};
  const auto result = db({{"unclip_ratio", 0.0}})->decode({map}, 0, geometry);
  ASSERT_EQ(result.size(), 1u);
  EXPECT_NEAR(min_x(result[0].polygon), 2 * 20 - 16, 1e-3);
  EXPECT_NEAR(max_x(result[0].polygon), 2 * 59 - 16, 1e-3);
  EXPECT_NEAR(min_y(result[0].polygon), 2 * 30 - 16, 1e-3);
  EXPECT_NEAR(max_y(result[0].polygon), 2 * 39 - 16, 1e-3);
}

TEST(DbCodec, ScoreIsTheMeanProbabilityInsideTheContour) {
  // Left half 0.9, right half 0.5 (both above mask_thr): one region, mean (0.9 + 0.5) / 2.
  Tensor map = map_with(100, 80, {{{20, 30, 39, 39}}}, 0.9f);
  const Tensor right = map_with(100, 80, {{{40, 30, 59, 39}}}, 0.5f);
  for (size_t i = 0; i < map.data.size(); ++i) map.data[i] += right.data[i];
  const auto result = db()->decode({map}, 0, same_size(100, 80));
  ASSERT_EQ(result.size(), 1u);
  EXPECT_NEAR(result[0].score, 0.7, 1e-5);
  EXPECT_NEAR(min_x(result[0].polygon), 14.516, 1.0);
  EXPECT_NEAR(max_x(result[0].polygon), 64.484, 1.0);
}

TEST(DbCodec, ScaleMapsBackToTheOriginalImage) {
  // The network saw the image at half size: every coordinate doubles.
  const Tensor map = map_with(100, 80, {{{20, 30, 59, 39}, {10, 60, 29, 69}}});
  const auto unscaled = db()->decode({map}, 0, same_size(100, 80));
  const auto scaled = db()->decode({map}, 0, {200, 160, 0.5, 0.5});
  ASSERT_EQ(unscaled.size(), 2u);
  ASSERT_EQ(scaled.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    ASSERT_EQ(scaled[i].polygon.size(), unscaled[i].polygon.size());
    for (size_t v = 0; v < scaled[i].polygon.size(); ++v) {
      EXPECT_NEAR(scaled[i].polygon[v].x, 2 * unscaled[i].polygon[v].x, 1e-3);
      EXPECT_NEAR(scaled[i].polygon[v].y, 2 * unscaled[i].polygon[v].y, 1e-3);
    }
    EXPECT_FLOAT_EQ(scaled[i].score, unscaled[i].score);
  }
  // A by hand: 2 * (14.516..64.484, 24.516..44.484).
  EXPECT_NEAR(min_x(scaled[0].polygon), 29.03, 2.0);
  EXPECT_NEAR(max_x(scaled[0].polygon), 128.97, 2.0);
  EXPECT_NEAR(min_y(scaled[0].polygon), 49.03, 2.0);
  EXPECT_NEAR(max_y(scaled[0].polygon), 88.97, 2.0);

  // Different scales per axis: x / 0.5, y / 0.25.
  const auto anisotropic = db()->decode({map}, 0, {200, 320, 0.5, 0.25});
  ASSERT_EQ(anisotropic.size(), 2u);
  EXPECT_NEAR(min_x(anisotropic[0].polygon), 2 * min_x(unscaled[0].polygon), 1e-3);
  EXPECT_NEAR(max_y(anisotropic[0].polygon), 4 * max_y(unscaled[0].polygon), 1e-3);
}

TEST(DbCodec, ClipsToTheOriginalImage) {
  // Original 190 x 150 at scale 0.5 = 95 x 75 network pixels, padded to the 100 x 80 map.
  // Pixels x 90..99, y 70..79: 9 x 9, area 81, perimeter 36, d = 81 * 1.5 / 36 = 3.375:
  // x 86.625..102.375 (Clipper 87..102), the same in y from 66.625 (67..82); doubled
  // x 174..204, y 134..164, clipped to the last pixel: x <= 189, y <= 149.
  const Tensor map = map_with(100, 80, {{{90, 70, 99, 79}}});
  const auto result = db()->decode({map}, 0, {190, 150, 0.5, 0.5});
  ASSERT_EQ(result.size(), 1u);
  const Polygon& p = result[0].polygon;
  EXPECT_NEAR(min_x(p), 173.25, 2.0);
  EXPECT_NEAR(min_y(p), 133.25, 2.0);
  EXPECT_FLOAT_EQ(max_x(p), 189.0f);
  EXPECT_FLOAT_EQ(max_y(p), 149.0f);
  expect_clockwise_from_top_left(p);

  // A box at the top-left corner clips to 0.
  const Tensor corner = map_with(100, 80, {{{0, 0, 19, 9}}});
  const auto clipped = db()->decode({corner}, 0, same_size(100, 80));
  ASSERT_EQ(clipped.size(), 1u);
  EXPECT_FLOAT_EQ(min_x(clipped[0].polygon), 0.0f);
  EXPECT_FLOAT_EQ(min_y(clipped[0].polygon), 0.0f);
  EXPECT_NEAR(max_x(clipped[0].polygon), 19 + 171 * 1.5 / 56, 1.0);  // 19 x 9 again: d = 4.580
}

TEST(DbCodec, PaddingDoesNotMoveCoordinatesAndBoxesInItAreDropped) {
  // The image is 80 x 60, padded at the right and bottom to the 100 x 80 map.
  const Tensor map = map_with(100, 80, {{{20, 30, 59, 39}, {88, 10, 97, 19}}});
  const auto padded = db()->decode({map}, 0, same_size(80, 60));
  const auto full = db()->decode({map_with(100, 80, {{{20, 30, 59, 39}}})}, 0, same_size(100, 80));
  ASSERT_EQ(padded.size(), 1u);  // the box right of x = 79 lies in the padding only
  ASSERT_EQ(full.size(), 1u);
  ASSERT_EQ(padded[0].polygon.size(), full[0].polygon.size());
  for (size_t v = 0; v < full[0].polygon.size(); ++v) {
    EXPECT_FLOAT_EQ(padded[0].polygon[v].x, full[0].polygon[v].x);
    EXPECT_FLOAT_EQ(padded[0].polygon[v].y, full[0].polygon[v].y);
  }
}

TEST(DbCodec, LowScoresAreDropped) {
  // 0.35 is above mask_thr 0.3, so the region is found, and its mean 0.35 is compared.
  const Tensor map = map_with(100, 80, {{{20, 30, 59, 39}}}, 0.35f);
  EXPECT_TRUE(db({{"min_text_score", 0.4}})->decode({map}, 0, same_size(100, 80)).empty());
  const auto kept = db({{"min_text_score", 0.3}})->decode({map}, 0, same_size(100, 80));
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_NEAR(kept[0].score, 0.35, 1e-5);
  // Below mask_thr nothing is a region; equal to it is not above it.
  EXPECT_TRUE(db({{"mask_thr", 0.4}, {"min_text_score", 0.0}})->decode({map}, 0, same_size(100, 80)).empty());
  EXPECT_TRUE(db({{"mask_thr", 0.35}, {"min_text_score", 0.0}})->decode({map}, 0, same_size(100, 80)).empty());
}

TEST(DbCodec, SmallBlobsAreDroppedByMinTextWidth) {
  // Pixels 50..51: a 1 x 1 contour square, d = 1 * 1.5 / 4 = 0.375, which Clipper rounds away:
  // short side about 1 < 5.
  const Tensor blob = map_with(100, 80, {{{50, 50, 51, 51}}});
  EXPECT_TRUE(db()->decode({blob}, 0, same_size(100, 80)).empty());
  // It is the width rule that drops it.
  EXPECT_EQ(db({{"min_text_width", 0}})->decode({blob}, 0, same_size(100, 80)).size(), 1u);
  // A 4-pixel-high line (3 x 39 contour, d = 117 * 1.5 / 84 = 2.09, short side 3 + 4 = 7)
  // passes 5 but not 8.
  const Tensor line = map_with(100, 80, {{{20, 30, 59, 33}}});
  EXPECT_EQ(db()->decode({line}, 0, same_size(100, 80)).size(), 1u);
  EXPECT_TRUE(db({{"min_text_width", 8}})->decode({line}, 0, same_size(100, 80)).empty());
}

// MMOCR applies min_text_width to quads only (`min(rect[1]) >= self.min_text_width` in the
// quad branch of db_postprocessor.py); a polygon is kept however narrow. Expected vertices from
// the reference decoder (tools/convert/ocrserve_convert/reference/textdet.py, pyclipper).
TEST(DbCodec, MinTextWidthAppliesToQuadsOnly) {
  // The 4-pixel-high line: contour 39 x 3, d = 117 * 1.5 / 84 = 2.09, short side 7 < 8.
  const Tensor line = map_with(100, 80, {{{20, 30, 59, 33}}});
  EXPECT_TRUE(db({{"min_text_width", 8}})->decode({line}, 0, same_size(100, 80)).empty());
  const auto poly = db({{"min_text_width", 8}, {"text_repr_type", "poly"}})->decode({line}, 0, same_size(100, 80));
  ASSERT_EQ(poly.size(), 1u);
  // Clipper's round joins, clockwise from the top-left as ocrserve writes polygons.
  const std::vector<std::array<float, 2>> expected{{19, 28}, {59, 28}, {61, 29}, {61, 33},
                                                    {60, 35}, {20, 35}, {18, 34}, {18, 30}};
  ASSERT_EQ(poly[0].polygon.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_FLOAT_EQ(poly[0].polygon[i].x, expected[i][0]) << "vertex " << i;
    EXPECT_FLOAT_EQ(poly[0].polygon[i].y, expected[i][1]) << "vertex " << i;
  }
  EXPECT_FLOAT_EQ(poly[0].score, 0.9f);
  // The 2 x 2 blob, which no width rule lets through as a quad, is a polygon: its own contour
  // (an offset of 0.375 rounds back onto it).
  const Tensor blob = map_with(100, 80, {{{50, 50, 51, 51}}});
  const auto speck = db({{"text_repr_type", "poly"}})->decode({blob}, 0, same_size(100, 80));
  ASSERT_EQ(speck.size(), 1u);
  ASSERT_EQ(speck[0].polygon.size(), 4u);
  EXPECT_FLOAT_EQ(min_x(speck[0].polygon), 50.0f);
  EXPECT_FLOAT_EQ(max_x(speck[0].polygon), 51.0f);
  EXPECT_FLOAT_EQ(min_y(speck[0].polygon), 50.0f);
  EXPECT_FLOAT_EQ(max_y(speck[0].polygon), 51.0f);
}

// An unclip that does not give exactly one polygon drops the region, as MMOCR ("If the result
// polygon does not exist, or it is split into multiple polygons, skip it") and mmdeploy's SDK
// (`if (dst.size() != 1) return {}`) do. A C-shaped ring with a 4-pixel gap: the contour runs
// through the gap around the 40 x 40 hole; d = 13.25 closes the gap and leaves the middle of
// the hole open, so Clipper returns an outer path and a hole path.
TEST(DbCodec, UnclipInSeveralPiecesDropsTheRegion) {
  Tensor ring = map_with(100, 100, {{{10, 10, 89, 89}}});
  for (int y = 10; y <= 69; ++y) {
    for (int x = 30; x <= 69; ++x) {
      if (y >= 30 || (x >= 48 && x <= 51)) ring.data[y * 100 + x] = 0.0f;  // the hole and the gap into it
    }
  }
  const Json exact = {{"epsilon_ratio", 0}};  // keep the 4-pixel gap in the contour
  for (const char* repr : {"quad", "poly"}) {
    Json params = exact;
    params["text_repr_type"] = repr;
    EXPECT_TRUE(db(params)->decode({ring}, 0, same_size(100, 100)).empty()) << repr;
    // A small offset (d = 0.88) leaves the gap open: one polygon, kept.
    params["unclip_ratio"] = 0.1;
    const auto kept = db(params)->decode({ring}, 0, same_size(100, 100));
    ASSERT_EQ(kept.size(), 1u) << repr;
    EXPECT_FLOAT_EQ(min_x(kept[0].polygon), 9.0f) << repr;
    EXPECT_FLOAT_EQ(max_x(kept[0].polygon), 90.0f) << repr;
    EXPECT_EQ(kept[0].polygon.size(), std::string(repr) == "quad" ? 4u : 20u) << repr;
  }
}

TEST(DbCodec, EmptyAndDegenerateMapsGiveNoBoxes) {
  EXPECT_TRUE(db()->decode({map_with(100, 80, {{}})}, 0, same_size(100, 80)).empty());
  EXPECT_TRUE(db()->decode({map_with(1, 1, {{}})}, 0, same_size(1, 1)).empty());
  // A single-pixel-wide line has a two-point contour.
  EXPECT_TRUE(db({{"min_text_width", 0}})->decode({map_with(100, 80, {{{10, 10, 60, 10}}})}, 0, same_size(100, 80)).empty());
  // The whole map is text: one box, clipped to the image.
  const auto full = db()->decode({map_with(40, 30, {{{0, 0, 39, 29}}})}, 0, same_size(40, 30));
  ASSERT_EQ(full.size(), 1u);
  EXPECT_FLOAT_EQ(min_x(full[0].polygon), 0.0f);
  EXPECT_FLOAT_EQ(max_x(full[0].polygon), 39.0f);
  EXPECT_FLOAT_EQ(max_y(full[0].polygon), 29.0f);
  // NaN is not text.
  Tensor nan_map = map_with(100, 80, {{}});
  std::fill(nan_map.data.begin(), nan_map.data.end(), std::numeric_limits<float>::quiet_NaN());
  EXPECT_TRUE(db()->decode({nan_map}, 0, same_size(100, 80)).empty());
}

TEST(DbCodec, PolyModeFollowsAnLShape) {
  // An L: a bar x 20..99, y 20..39 and a leg x 20..39, y 40..99.
  const Tensor map = map_with(120, 120, {{{20, 20, 99, 39}, {20, 40, 39, 99}}});
  const auto result = db({{"text_repr_type", "poly"}})->decode({map}, 0, same_size(120, 120));
  ASSERT_EQ(result.size(), 1u);
  const Polygon& polygon = result[0].polygon;
  EXPECT_GE(polygon.size(), 6u);
  // approxPolyDP (tolerance 0.01 * 316 = 3.2 px) replaces the inner corner's diagonal step
  // (40,39)-(39,40) by one edge (99,39)-(39,40), a sliver of about 30 zero pixels in row 40
  // next to the 2800 pixels of the L: 0.9 * 2800 / 2830 = 0.89.
  EXPECT_NEAR(result[0].score, 0.9 * 2800 / 2830, 0.002);
  expect_clockwise_from_top_left(polygon);

  std::vector<cv::Point2f> contour;
  for (const Point& p : polygon) contour.emplace_back(p.x, p.y);
  // Every pixel of the L is inside.
  for (int y = 20; y <= 99; ++y) {
    for (int x = 20; x <= 99; ++x) {
      const bool in_l = y <= 39 || x <= 39;
      if (in_l) {
        ASSERT_GE(cv::pointPolygonTest(contour, cv::Point2f(x, y), false), 0) << x << "," << y;
      }
    }
  }
  // It follows the L: the notch is outside, unlike in a quad.
  EXPECT_LT(cv::pointPolygonTest(contour, cv::Point2f(80, 80), false), 0);
  EXPECT_LT(cv::pointPolygonTest(contour, cv::Point2f(55, 55), false), 0);
  // The expansion is bounded by the unclip distance: the L's contour has area
  // 79 * 19 + 19 * 60 (approximately 2641) and perimeter 2 * (79 + 79) = 316, d = 12.5.
  EXPECT_NEAR(min_x(polygon), 20 - 12.5, 1.5);
  EXPECT_NEAR(max_x(polygon), 99 + 12.5, 1.5);

  // The same region in quad mode is one rectangle around the whole L.
  const auto quad = db()->decode({map}, 0, same_size(120, 120));
  ASSERT_EQ(quad.size(), 1u);
  EXPECT_EQ(quad[0].polygon.size(), 4u);
}

TEST(DbCodec, VerticesAreClockwiseFromTheTopLeft) {
  const Tensor map = map_with(100, 80, {{{20, 30, 59, 39}}});
  const auto polygon = db()->decode({map}, 0, same_size(100, 80)).at(0).polygon;
  expect_clockwise_from_top_left(polygon);
  EXPECT_GT(polygon[1].x, polygon[0].x + 40);  // the next vertex is the top-right
  EXPECT_NEAR(polygon[1].y, polygon[0].y, 1e-3);

  // A band rotated by about -27 degrees: corners (20,40) (70,15) (78,31) (28,56).
  Tensor rotated = map_with(100, 80, {{}});
  cv::Mat view(80, 100, CV_32F, rotated.data.data());
  const std::vector<cv::Point> corners{{20, 40}, {70, 15}, {78, 31}, {28, 56}};
  cv::fillConvexPoly(view, corners, cv::Scalar(0.9));
  const auto result = db()->decode({rotated}, 0, same_size(100, 80));
  ASSERT_EQ(result.size(), 1u);
  const Polygon& quad = result[0].polygon;
  ASSERT_EQ(quad.size(), 4u);
  expect_clockwise_from_top_left(quad);
  // The sides are 55.9 px along u = (0.894, -0.447) and 17.9 px along v = (0.447, 0.894): area
  // 1000, perimeter 147.6, d = 1000 * 1.5 / 147.6 = 10.16, and each corner moves out by d along
  // both sides' normals: (20,40) - d (u + v) = (6.4, 35.5), (70,15) + d (u - v) = (74.5, 1.4),
  // (78,31) + d (u + v) = (91.6, 35.5), (28,56) - d (u - v) = (23.5, 69.6). The rasterised band's
  // slanted edges differ from the ideal polygon by up to a pixel, so allow 2.5 px.
  const std::array<cv::Point2f, 4> expected{{{6.4f, 35.5f}, {74.5f, 1.4f}, {91.6f, 35.5f}, {23.5f, 69.6f}}};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_NEAR(quad[i].x, expected[i].x, 2.5) << i;
    EXPECT_NEAR(quad[i].y, expected[i].y, 2.5) << i;
  }
  EXPECT_LT(quad[1].y, quad[0].y);  // the top edge climbs to the right
}

TEST(DbCodec, ResultsAreInReadingOrder) {
  // Same height, so the same top y for the two upper boxes: left before right, then the lower one.
  const Tensor map = map_with(100, 80, {{{60, 50, 89, 59}, {60, 10, 89, 19}, {10, 10, 39, 19}}});
  const auto result = db()->decode({map}, 0, same_size(100, 80));
  ASSERT_EQ(result.size(), 3u);
  EXPECT_LT(min_x(result[0].polygon), 10);
  EXPECT_LT(min_y(result[0].polygon), 10);
  EXPECT_GT(min_x(result[1].polygon), 50);
  EXPECT_LT(min_y(result[1].polygon), 10);
  EXPECT_GT(min_y(result[2].polygon), 40);
  EXPECT_FLOAT_EQ(result[0].polygon[0].y, result[1].polygon[0].y);
}

TEST(DbCodec, DecodesTheRequestedBatchItem) {
  const Tensor map = map_with(100, 80, {{{20, 30, 59, 39}}, {{10, 10, 29, 19}, {50, 50, 89, 59}}});
  const auto first = db()->decode({map}, 0, same_size(100, 80));
  ASSERT_EQ(first.size(), 1u);
  EXPECT_NEAR(min_x(first[0].polygon), 14.516, 1.0);
  const auto second = db()->decode({map}, 1, same_size(100, 80));
  ASSERT_EQ(second.size(), 2u);
  // x 10..29, y 10..19: 19 x 9, d = 4.580.
  EXPECT_NEAR(min_x(second[0].polygon), 5.420, 1.0);
  EXPECT_NEAR(min_y(second[0].polygon), 5.420, 1.0);
  // x 50..89, y 50..59: 39 x 9, d = 5.484.
  EXPECT_NEAR(max_x(second[1].polygon), 94.484, 1.0);
  EXPECT_NEAR(max_y(second[1].polygon), 64.484, 1.0);

  const Error e = error_of([&] { db()->decode({map}, 2, same_size(100, 80)); });
  EXPECT_EQ(e.kind(), ErrorKind::internal);
  EXPECT_NE(std::string(e.what()).find("batch item 2"), std::string::npos) << e.what();
}

TEST(DbCodec, AcceptsThreeAndFourDimensionalMaps) {
  // [N,H,W]
  Tensor map = map_with(100, 80, {{{20, 30, 59, 39}}, {{10, 10, 29, 19}}});
  map.shape = {2, 80, 100};
  const auto rank3 = db()->decode({map}, 1, same_size(100, 80));
  ASSERT_EQ(rank3.size(), 1u);
  EXPECT_NEAR(min_x(rank3[0].polygon), 5.420, 1.0);

  // [N,2,H,W]: channel 0 is the probability map; channel 1 (a threshold map) is ignored.
  // Item 1, channel 0 holds x 50..89; its channel 1 holds a box that must not appear.
  Tensor two = map_with(100, 80, {{}, {{60, 5, 95, 25}}, {{50, 50, 89, 59}}, {{5, 5, 30, 25}}});
  two.shape = {2, 2, 80, 100};
  const auto channels = db()->decode({two}, 1, same_size(100, 80));
  ASSERT_EQ(channels.size(), 1u);
  EXPECT_NEAR(min_x(channels[0].polygon), 44.516, 1.0);
  EXPECT_NEAR(min_y(channels[0].polygon), 44.516, 1.0);
  EXPECT_TRUE(db()->decode({two}, 0, same_size(100, 80)).empty());
}

TEST(DbCodec, BadOutputsAreInternalErrors) {
  auto expect_internal = [](const std::vector<Tensor>& outputs, const std::string& text) {
    const Error e = error_of([&] { db()->decode(outputs, 0, same_size(100, 80)); });
    EXPECT_EQ(e.kind(), ErrorKind::internal);
    EXPECT_EQ(std::string(e.what()).rfind("test: ", 0), 0u) << e.what();
    EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
  };
  expect_internal({}, "no output");
  Tensor rank2 = map_with(100, 80, {{}});
  rank2.shape = {80, 100};
  expect_internal({rank2}, "[80,100]");
  Tensor empty_dim = map_with(100, 80, {{}});
  empty_dim.shape = {1, 1, 0, 100};
  expect_internal({empty_dim}, "[1,1,0,100]");
  Tensor short_data = map_with(100, 80, {{}});
  short_data.data.resize(100);
  expect_internal({short_data}, "holds 100 values");

  const Error e = error_of([] { db()->decode({map_with(100, 80, {{}})}, 0, {100, 80, 0.0, 1.0}); });
  EXPECT_EQ(e.kind(), ErrorKind::internal);
}

// MMOCR's max_candidates N reads N + 1 contours (`if i > self.max_candidates: break`);
// mmdeploy's SDK reads its max_candidate N as N. Without either, DBHead reads the SDK's 3000
// and DBPostprocessor MMOCR's 3000 + 1.
TEST(DbCodec, MaxCandidatesLimitsTheContours) {
  const Tensor map = map_with(100, 80, {{{20, 30, 59, 39}, {10, 60, 29, 69}, {70, 5, 95, 14}}});
  EXPECT_EQ(db({{"max_candidates", 0}})->decode({map}, 0, same_size(100, 80)).size(), 1u);
  EXPECT_EQ(db({{"max_candidates", 1}})->decode({map}, 0, same_size(100, 80)).size(), 2u);
  EXPECT_EQ(db({{"max_candidates", 2}})->decode({map}, 0, same_size(100, 80)).size(), 3u);
  EXPECT_EQ(db({{"max_candidate", 1}})->decode({map}, 0, same_size(100, 80)).size(), 1u);  // mmdeploy's key
  EXPECT_EQ(db({{"max_candidate", 0}})->decode({map}, 0, same_size(100, 80)).size(), 0u);
  EXPECT_EQ(db({{"max_candidate", 1}, {"max_candidates", 1}})->decode({map}, 0, same_size(100, 80)).size(), 2u);
  auto mmocr = [](const Json& params) { return make_detection_codec("DBPostprocessor", params, {"test", {}}); };
  EXPECT_EQ(mmocr({{"max_candidates", 1}})->decode({map}, 0, same_size(100, 80)).size(), 2u);

  // The defaults: 3025 blobs of 3 x 3 pixels in a grid, one contour each.
  const int side = 55;
  std::vector<Rect> blobs;
  for (int gy = 0; gy < side; ++gy) {
    for (int gx = 0; gx < side; ++gx) blobs.push_back({4 * gx, 4 * gy, 4 * gx + 2, 4 * gy + 2});
  }
  const Tensor grid = map_with(4 * side, 4 * side, {blobs});
  const Json narrow = {{"min_text_width", 0}, {"text_repr_type", "quad"}};
  EXPECT_EQ(db(narrow)->decode({grid}, 0, same_size(4 * side, 4 * side)).size(), 3000u);
  EXPECT_EQ(mmocr(narrow)->decode({grid}, 0, same_size(4 * side, 4 * side)).size(), 3001u);
}

// The defaults by name: DBHead's are the SDK's (quads; what the empty params mmdeploy 1.x writes
// give), DBPostprocessor's MMOCR's constructor's (polygons).
TEST(DbCodec, TextReprTypeDefaultsDependOnTheName) {
  const Tensor map = map_with(120, 120, {{{20, 20, 99, 39}, {20, 40, 39, 99}}});  // an L
  const auto head = db()->decode({map}, 0, same_size(120, 120));
  ASSERT_EQ(head.size(), 1u);
  EXPECT_EQ(head[0].polygon.size(), 4u);
  const auto mmocr = make_detection_codec("DBPostprocessor", Json::object(), {"test", {}})->decode({map}, 0, same_size(120, 120));
  ASSERT_EQ(mmocr.size(), 1u);
  EXPECT_GE(mmocr[0].polygon.size(), 6u);
}

TEST(DbCodec, EpsilonRatioAndItsOldName) {
  // A tolerance of half the perimeter reduces the rectangle to two points: dropped.
  const Tensor map = map_with(100, 80, {{{20, 30, 59, 39}}});
  EXPECT_TRUE(db({{"epsilon_ratio", 0.5}})->decode({map}, 0, same_size(100, 80)).empty());
  EXPECT_TRUE(db({{"arcLength_ratio", 0.5}})->decode({map}, 0, same_size(100, 80)).empty());
  EXPECT_EQ(db({{"arcLength_ratio", 0.5}, {"epsilon_ratio", 0.01}})->decode({map}, 0, same_size(100, 80)).size(), 1u);
}

TEST(DbCodec, DownsampleRatioScalesToTheNetworkInput) {
  // A map at half the network resolution: map pixels / 0.5 = network pixels.
  const Tensor map = map_with(100, 80, {{{20, 30, 59, 39}}});
  const auto full = db()->decode({map}, 0, same_size(200, 160));
  const auto half = db({{"downsample_ratio", 0.5}})->decode({map}, 0, same_size(200, 160));
  ASSERT_EQ(full.size(), 1u);
  ASSERT_EQ(half.size(), 1u);
  EXPECT_NEAR(min_x(half[0].polygon), 2 * min_x(full[0].polygon), 1e-3);
  EXPECT_NEAR(max_y(half[0].polygon), 2 * max_y(full[0].polygon), 1e-3);
}

TEST(DbCodec, BothNamesAndUnknownKeysAreAccepted) {
  const Tensor map = map_with(100, 80, {{{20, 30, 59, 39}}});
  const Json params = {{"text_repr_type", "quad"}, {"rescale", true}, {"something_else", "x"}};
  const auto a = make_detection_codec("DBPostprocessor", params, {"test", {}})->decode({map}, 0, same_size(100, 80));
  const auto b = db(params)->decode({map}, 0, same_size(100, 80));
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_FLOAT_EQ(a[0].polygon[0].x, b[0].polygon[0].x);
  EXPECT_EQ(db(Json())->decode({map}, 0, same_size(100, 80)).size(), 1u);  // null params: defaults
}

TEST(DbCodec, BadParamsNameTheField) {
  expect_bad_param({{"mask_thr", "x"}}, "mask_thr");
  expect_bad_param({{"mask_thr", true}}, "mask_thr");
  expect_bad_param({{"mask_thr", 1.5}}, "mask_thr");
  expect_bad_param({{"min_text_score", -0.1}}, "min_text_score");
  expect_bad_param({{"min_text_width", -1}}, "min_text_width");
  expect_bad_param({{"unclip_ratio", "big"}}, "unclip_ratio");
  expect_bad_param({{"unclip_ratio", -1}}, "unclip_ratio");
  expect_bad_param({{"epsilon_ratio", 2}}, "epsilon_ratio");
  expect_bad_param({{"arcLength_ratio", -1}}, "arcLength_ratio");
  expect_bad_param({{"max_candidates", -1}}, "max_candidates");
  expect_bad_param({{"max_candidates", 2.5}}, "max_candidates");
  expect_bad_param({{"max_candidate", -3}}, "max_candidate");
  expect_bad_param({{"downsample_ratio", 0}}, "downsample_ratio");
  expect_bad_param({{"text_repr_type", "circle"}}, "text_repr_type");
  expect_bad_param({{"text_repr_type", 4}}, "text_repr_type");

  const Error e = error_of([] { make_detection_codec("NoSuchHead", Json::object(), {"test", {}}); });
  EXPECT_EQ(e.kind(), ErrorKind::unsupported);
  EXPECT_NE(std::string(e.what()).find("DBHead"), std::string::npos) << e.what();  // the known names are listed
}

}  // namespace
}  // namespace ocrserve
