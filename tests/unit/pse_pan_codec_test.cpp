// PSENet and PANet postprocessing on crafted logit maps with answers computed by hand.
//
// How to read the expected coordinates: an instance's quad is the minimum-area rectangle of its
// pixels' coordinates and its polygon the contour through its boundary pixels, so a block of
// map pixels x0..x1, y0..y1 gives the rectangle (x0, y0)-(x1, y1). Maps are at a quarter of the
// network input (downsample_ratio 0.25) and the tests' images are the network input unless
// said otherwise: every coordinate is the map's times 4.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "codec/codec.hpp"
#include "ocrserve/error.hpp"
#include "support/errors.hpp"

namespace ocrserve {
namespace {

using test::error_of;

using Rect = std::array<int, 4>;  // x0, y0, x1, y1, inclusive

constexpr float text_logit = 4.0f;  // sigmoid 0.982
constexpr float weak_logit = 1.0f;  // sigmoid 0.731
constexpr float background = -10.0f;
constexpr int map_width = 40, map_height = 30;

double sigmoid(double x) { return 1 / (1 + std::exp(-x)); }

// [images, channels, map_height, map_width] logits: `value` in every channel.
Tensor maps(int channels, float value, int images = 1) {
  Tensor tensor;
  tensor.shape = {images, channels, map_height, map_width};
  tensor.data.assign(static_cast<size_t>(Tensor::element_count(tensor.shape)), value);
  return tensor;
}

void paint(Tensor& t, int channel, const Rect& r, float value, int image = 0) {
  const auto channels = static_cast<int>(t.shape[1]);
  for (int y = r[1]; y <= r[3]; ++y) {
    for (int x = r[0]; x <= r[2]; ++x) {
      t.data[((static_cast<size_t>(image) * channels + channel) * map_height + y) * map_width + x] = value;
    }
  }
}

// PSENet: the text region in channel 0, the larger kernels as large as it, the smallest in 6.
Tensor pse_maps(int images = 1) { return maps(7, background, images); }
void pse_instance(Tensor& t, const Rect& text, const Rect& kernel, float logit = text_logit, int image = 0) {
  for (int c = 0; c < 6; ++c) paint(t, c, text, logit, image);
  paint(t, 6, kernel, logit, image);
}

// PANet: text in channel 0, kernel in 1, embedding 0 everywhere unless painted.
Tensor pan_maps(int images = 1) {
  Tensor t = maps(6, 0.0f, images);
  for (int image = 0; image < images; ++image) {
    paint(t, 0, {0, 0, map_width - 1, map_height - 1}, background, image);
    paint(t, 1, {0, 0, map_width - 1, map_height - 1}, background, image);
  }
  return t;
}
void pan_instance(Tensor& t, const Rect& text, const Rect& kernel, float logit = text_logit, int image = 0) {
  paint(t, 0, text, logit, image);
  paint(t, 1, kernel, logit, image);
}

std::unique_ptr<DetectionCodec> codec(const std::string& name, const Json& params = Json::object()) {
  return make_detection_codec(name, params, {"test", {}});
}

// The network input, 4 times the map, seen unscaled.
const ImageGeometry unscaled{4 * map_width, 4 * map_height, 1.0, 1.0};

DetectionResult decode(const std::string& name, const Tensor& t, const Json& params = Json::object(),
                       const ImageGeometry& geometry = unscaled, size_t index = 0) {
  return codec(name, params)->decode({t}, index, geometry);
}

// An axis-aligned box: its corners clockwise from the top-left, the map rectangle times f.
void expect_box(const Polygon& p, const Rect& r, double fx = 4, double fy = 4) {
  ASSERT_EQ(p.size(), 4u);
  const std::array<std::array<double, 2>, 4> corners{
      {{r[0] * fx, r[1] * fy}, {r[2] * fx, r[1] * fy}, {r[2] * fx, r[3] * fy}, {r[0] * fx, r[3] * fy}}};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_NEAR(p[i].x, corners[i][0], 0.01) << "vertex " << i;
    EXPECT_NEAR(p[i].y, corners[i][1], 0.01) << "vertex " << i;
  }
}

void expect_error(const std::function<void()>& action, ErrorKind kind, const std::string& text) {
  const Error e = error_of(action);
  EXPECT_EQ(e.kind(), kind);
  EXPECT_EQ(std::string(e.what()).rfind("test: ", 0), 0u) << e.what();  // starts with context.where
  EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
}

void expect_bad_param(const std::string& name, const Json& params, const std::string& field) {
  expect_error([&] { codec(name, params); }, ErrorKind::bad_input, "\"" + field + "\"");
}

const std::vector<std::string> all_names{"PSEHead", "PSEPostprocessor", "PANHead", "PANPostprocessor"};

// An L: a bar x 2..29, y 2..7 and a leg x 2..7, y 8..25. Its contour runs through the corner
// pixels and cuts the inner corner diagonally, (8,7)-(7,8), as pixel (7,7) is not on the boundary.
const Rect l_bar{2, 2, 29, 7}, l_leg{2, 8, 7, 25};
const std::vector<std::array<float, 2>> l_contour{{8, 8}, {116, 8}, {116, 28}, {32, 28}, {28, 32}, {28, 100}, {8, 100}};

void expect_l_contour(const Polygon& p) {
  ASSERT_EQ(p.size(), l_contour.size());
  for (size_t i = 0; i < p.size(); ++i) {
    EXPECT_FLOAT_EQ(p[i].x, l_contour[i][0]) << "vertex " << i;
    EXPECT_FLOAT_EQ(p[i].y, l_contour[i][1]) << "vertex " << i;
  }
}

// ----------------------------------------------------------------------------------- PSENet

TEST(PseCodec, TwoSeparatedInstancesGiveTwoQuads) {
  Tensor t = pse_maps();
  pse_instance(t, {2, 3, 21, 8}, {5, 5, 18, 6});
  pse_instance(t, {5, 15, 34, 24}, {10, 18, 29, 21});
  const auto result = decode("PSEHead", t);
  ASSERT_EQ(result.size(), 2u);
  expect_box(result[0].polygon, {2, 3, 21, 8});
  expect_box(result[1].polygon, {5, 15, 34, 24});
  EXPECT_NEAR(result[0].score, sigmoid(text_logit), 1e-5);
  EXPECT_NEAR(result[1].score, sigmoid(text_logit), 1e-5);
}

TEST(PseCodec, ScaleMapsBackToTheOriginalImage) {
  Tensor t = pse_maps();
  pse_instance(t, {2, 3, 21, 8}, {5, 5, 18, 6});
  // The network saw the image at half size: map pixels times 4 / 0.5 = 8.
  const auto half = decode("PSEHead", t, Json::object(), {320, 240, 0.5, 0.5});
  ASSERT_EQ(half.size(), 1u);
  expect_box(half[0].polygon, {2, 3, 21, 8}, 8, 8);
  // Per axis: x / 0.5, y / 0.25.
  const auto anisotropic = decode("PSEHead", t, Json::object(), {320, 480, 0.5, 0.25});
  ASSERT_EQ(anisotropic.size(), 1u);
  expect_box(anisotropic[0].polygon, {2, 3, 21, 8}, 8, 16);
  // downsample_ratio 0.5: map pixels times 2.
  const auto ratio = decode("PSEHead", t, {{"downsample_ratio", 0.5}});
  ASSERT_EQ(ratio.size(), 1u);
  expect_box(ratio[0].polygon, {2, 3, 21, 8}, 2, 2);
}

TEST(PseCodec, TouchingInstancesSplitWhereTheirGrowthMeets) {
  // One text band x 0..39, y 10..19 with two seeds: left x 2..4, right x 31..37 (rows 13..16).
  // Breadth-first over the text, a column c goes to the nearer seed: left while c - 4 < 31 - c,
  // i.e. up to 17. So left x 0..17, right x 18..39.
  Tensor t = pse_maps();
  pse_instance(t, {0, 10, 39, 19}, {2, 13, 4, 16});
  paint(t, 6, {31, 13, 37, 16}, text_logit);
  // Kernel 5 stretches from the left seed to x 30. Growing kernel by kernel (the paper) would
  // give the left instance x 0..30; MMOCR's contour_expand reads only the text region, so it
  // does not matter.
  paint(t, 5, {0, 0, 39, 29}, background);
  paint(t, 5, {0, 12, 30, 17}, text_logit);
  paint(t, 5, {31, 13, 37, 16}, text_logit);
  const auto result = decode("PSEHead", t);
  ASSERT_EQ(result.size(), 2u);
  expect_box(result[0].polygon, {0, 10, 17, 19});
  expect_box(result[1].polygon, {18, 10, 39, 19});
}

TEST(PseCodec, SmallKernelsSeedNothing) {
  // B's seed is 2 x 2 = 4 pixels.
  Tensor t = pse_maps();
  pse_instance(t, {2, 3, 21, 8}, {5, 5, 18, 6});
  pse_instance(t, {5, 15, 34, 24}, {10, 18, 11, 19});
  EXPECT_EQ(decode("PSEHead", t, {{"min_kernel_area", 4}}).size(), 2u);
  const auto result = decode("PSEHead", t, {{"min_kernel_area", 5}});
  ASSERT_EQ(result.size(), 1u);
  expect_box(result[0].polygon, {2, 3, 21, 8});

  // In a band shared with a large seed, the small seed's pixels go to the large one.
  Tensor band = pse_maps();
  pse_instance(band, {0, 10, 39, 19}, {2, 13, 3, 14});
  paint(band, 6, {31, 13, 37, 16}, text_logit);
  const auto merged = decode("PSEHead", band, {{"min_kernel_area", 5}});
  ASSERT_EQ(merged.size(), 1u);
  expect_box(merged[0].polygon, {0, 10, 39, 19});
  EXPECT_EQ(decode("PSEHead", band).size(), 2u);
}

TEST(PseCodec, KeepsInstancesLargeEnoughOrConfidentEnough) {
  // MMOCR 1.x's rule: dropped only if both under min_text_area and not above score_threshold.
  Tensor t = pse_maps();
  pse_instance(t, {2, 2, 4, 4}, {3, 3, 3, 3});                   // A: 9 pixels, 0.982
  pse_instance(t, {10, 2, 12, 4}, {11, 3, 11, 3}, weak_logit);  // B: 9 pixels, 0.731
  pse_instance(t, {2, 15, 21, 20}, {5, 17, 18, 18}, weak_logit);  // C: 120 pixels, 0.731
  auto lefts = [](const DetectionResult& result) {
    std::vector<float> xs;
    for (const auto& d : result) xs.push_back(d.polygon[0].x);
    return xs;
  };
  // PSEHead's threshold 0.85: B is small and weak; A is confident, C large.
  EXPECT_EQ(lefts(decode("PSEHead", t)), (std::vector<float>{8, 8}));
  const auto head = decode("PSEHead", t);
  EXPECT_NEAR(head[0].score, sigmoid(text_logit), 1e-5);
  EXPECT_NEAR(head[1].score, sigmoid(weak_logit), 1e-5);
  EXPECT_FLOAT_EQ(head[1].polygon[0].y, 60);
  // B passes on either count.
  EXPECT_EQ(decode("PSEHead", t, {{"min_text_area", 9}}).size(), 3u);
  EXPECT_EQ(decode("PSEHead", t, {{"score_threshold", 0.7}}).size(), 3u);
  EXPECT_EQ(decode("PSEHead", t, {{"min_text_avg_confidence", 0.7}}).size(), 3u);  // mmdeploy's name
  EXPECT_EQ(decode("PSEHead", t, {{"min_text_avg_confidence", 0.7}, {"score_threshold", 0.9}}).size(), 2u);
  // With MMOCR's defaults (0.3) every instance passes.
  EXPECT_EQ(decode("PSEPostprocessor", t).size(), 3u);
  // A mean equal to the threshold is not above it: logit 0 is exactly 0.5, text above 0.4.
  Tensor even = pse_maps();
  pse_instance(even, {2, 2, 4, 4}, {3, 3, 3, 3}, 0.0f);
  EXPECT_TRUE(decode("PSEHead", even, {{"min_kernel_confidence", 0.4}, {"score_threshold", 0.5}}).empty());
  EXPECT_EQ(decode("PSEHead", even, {{"min_kernel_confidence", 0.4}, {"score_threshold", 0.49}}).size(), 1u);
}

TEST(PseCodec, ScoreIsTheMeanOverTheInstance) {
  // Left half strong, right half weak, one seed: (0.982 + 0.731) / 2.
  Tensor t = pse_maps();
  pse_instance(t, {2, 3, 21, 8}, {5, 5, 18, 6});
  paint(t, 0, {12, 3, 21, 8}, weak_logit);
  const auto result = decode("PSEHead", t);
  ASSERT_EQ(result.size(), 1u);
  EXPECT_NEAR(result[0].score, (sigmoid(text_logit) + sigmoid(weak_logit)) / 2, 1e-5);
  expect_box(result[0].polygon, {2, 3, 21, 8});
}

TEST(PseCodec, KernelsCountOnlyInsideTheText) {
  // A kernel with no text under it seeds nothing; neither does text without a kernel.
  Tensor t = pse_maps();
  paint(t, 6, {5, 5, 18, 6}, text_logit);
  paint(t, 0, {5, 15, 34, 24}, text_logit);
  EXPECT_TRUE(decode("PSEHead", t).empty());
  // min_kernel_confidence is also the text threshold: 0.731 is text at 0.5, not at 0.75.
  Tensor weak = pse_maps();
  pse_instance(weak, {2, 3, 21, 8}, {5, 5, 18, 6}, weak_logit);
  EXPECT_EQ(decode("PSEPostprocessor", weak).size(), 1u);
  EXPECT_TRUE(decode("PSEPostprocessor", weak, {{"min_kernel_confidence", 0.75}}).empty());
  // A text pixel below the threshold splits nothing but is left out.
  paint(weak, 0, {21, 8, 21, 8}, background);
  const auto result = decode("PSEPostprocessor", weak);
  ASSERT_EQ(result.size(), 1u);
  EXPECT_EQ(result[0].polygon.size(), 5u);  // the rectangle with a corner cut
}

TEST(PseCodec, PolyFollowsTheContourAndDefaultsDependOnTheName) {
  Tensor t = pse_maps();
  pse_instance(t, l_bar, {5, 4, 26, 5}, weak_logit);
  paint(t, 0, l_leg, weak_logit);
  // PSEPostprocessor (MMOCR): a polygon by default.
  const auto poly = decode("PSEPostprocessor", t);
  ASSERT_EQ(poly.size(), 1u);
  expect_l_contour(poly[0].polygon);
  EXPECT_NEAR(poly[0].score, sigmoid(weak_logit), 1e-5);
  // PSEHead (mmdeploy): a quad by default, the L's bounding rectangle.
  const auto quad = decode("PSEHead", t);
  ASSERT_EQ(quad.size(), 1u);
  expect_box(quad[0].polygon, {2, 2, 29, 25});
  // Either way when asked.
  expect_box(decode("PSEPostprocessor", t, {{"text_repr_type", "quad"}})[0].polygon, {2, 2, 29, 25});
  expect_l_contour(decode("PSEHead", t, {{"text_repr_type", "poly"}})[0].polygon);
  // A one-pixel line has a two-point contour: no polygon, but a (flat) quad.
  Tensor line = pse_maps();
  pse_instance(line, {2, 3, 30, 3}, {5, 3, 20, 3});
  EXPECT_TRUE(decode("PSEPostprocessor", line).empty());
  const auto flat = decode("PSEPostprocessor", line, {{"text_repr_type", "quad"}});
  ASSERT_EQ(flat.size(), 1u);
  EXPECT_NEAR(flat[0].polygon[0].y, 12, 0.01);
  EXPECT_NEAR(flat[0].polygon[2].y, 12, 0.01);
}

TEST(PseCodec, ClipsToTheImageAndDropsInstancesInThePadding) {
  // The image is 150 x 110 of the 160 x 120 network input. A: x 120..156, y 80..116, clipped to
  // the last pixel (149, 109). B lies right of x = 149 entirely.
  Tensor t = pse_maps();
  pse_instance(t, {30, 20, 39, 29}, {33, 23, 36, 26});
  pse_instance(t, {38, 0, 39, 9}, {38, 2, 39, 7});
  const auto result = decode("PSEHead", t, Json::object(), {150, 110, 1.0, 1.0});
  ASSERT_EQ(result.size(), 1u);
  const Polygon& p = result[0].polygon;
  EXPECT_NEAR(p[0].x, 120, 0.01);
  EXPECT_NEAR(p[0].y, 80, 0.01);
  EXPECT_FLOAT_EQ(p[2].x, 149);
  EXPECT_FLOAT_EQ(p[2].y, 109);
}

TEST(PseCodec, DecodesTheRequestedBatchItem) {
  Tensor t = pse_maps(2);
  pse_instance(t, {2, 3, 21, 8}, {5, 5, 18, 6}, text_logit, 0);
  pse_instance(t, {5, 15, 34, 24}, {10, 18, 29, 21}, text_logit, 1);
  pse_instance(t, {25, 2, 34, 6}, {27, 4, 32, 4}, text_logit, 1);
  const auto first = decode("PSEHead", t, Json::object(), unscaled, 0);
  ASSERT_EQ(first.size(), 1u);
  expect_box(first[0].polygon, {2, 3, 21, 8});
  const auto second = decode("PSEHead", t, Json::object(), unscaled, 1);
  ASSERT_EQ(second.size(), 2u);
  expect_box(second[0].polygon, {25, 2, 34, 6});  // reading order: the higher one first
  expect_box(second[1].polygon, {5, 15, 34, 24});
  expect_error([&] { decode("PSEHead", t, Json::object(), unscaled, 2); }, ErrorKind::internal, "batch item 2");
}

TEST(PseCodec, NanIsNotText) {
  Tensor t = pse_maps();
  std::fill(t.data.begin(), t.data.end(), std::numeric_limits<float>::quiet_NaN());
  EXPECT_TRUE(decode("PSEHead", t).empty());
  EXPECT_TRUE(decode("PSEHead", pse_maps()).empty());
}

// ------------------------------------------------------------------------------------ PANet

TEST(PanCodec, TwoSeparatedInstancesGiveTwoQuads) {
  Tensor t = pan_maps();
  pan_instance(t, {2, 3, 21, 8}, {5, 5, 18, 6});
  pan_instance(t, {5, 15, 34, 24}, {10, 18, 29, 21});
  const auto result = decode("PANHead", t);
  ASSERT_EQ(result.size(), 2u);
  expect_box(result[0].polygon, {2, 3, 21, 8});
  expect_box(result[1].polygon, {5, 15, 34, 24});
  EXPECT_NEAR(result[0].score, sigmoid(text_logit), 1e-5);
  // Scaled back as PSENet's.
  const auto half = decode("PANHead", t, Json::object(), {320, 240, 0.5, 0.5});
  ASSERT_EQ(half.size(), 2u);
  expect_box(half[1].polygon, {5, 15, 34, 24}, 8, 8);
}

TEST(PanCodec, EmbeddingsSeparateTouchingInstances) {
  // One text band x 0..39, y 10..19; kernels left x 2..4 and right x 31..37 (rows 13..16).
  Tensor t = pan_maps();
  pan_instance(t, {0, 10, 39, 19}, {2, 13, 4, 16});
  paint(t, 1, {31, 13, 37, 16}, text_logit);
  // With one embedding everywhere the growth meets halfway, as PSENet's: x 0..17 | 18..39.
  const auto same = decode("PANHead", t);
  ASSERT_EQ(same.size(), 2u);
  expect_box(same[0].polygon, {0, 10, 17, 19});
  expect_box(same[1].polygon, {18, 10, 39, 19});
  // Embedding 0 left of x = 20 and (5, 0, 0, 0) from it, 5 apart: each side keeps its own
  // pixels though the right kernel reaches x 18..19 first.
  paint(t, 2, {20, 0, 39, 29}, 5.0f);
  const auto split = decode("PANHead", t);
  ASSERT_EQ(split.size(), 2u);
  expect_box(split[0].polygon, {0, 10, 19, 19});
  expect_box(split[1].polygon, {20, 10, 39, 19});
}

TEST(PanCodec, FarEmbeddingsKeepPixelsOut) {
  // Text x 0..29, kernel x 10..19 (embedding 0); x 25..29 embed (0, 0, 0, d).
  auto right_edge = [](float d, const Json& params) {
    Tensor t = pan_maps();
    pan_instance(t, {0, 10, 29, 19}, {10, 13, 19, 16});
    paint(t, 5, {25, 10, 29, 19}, d);
    const auto result = decode("PANHead", t, params);
    EXPECT_EQ(result.size(), 1u);
    return result.empty() ? -1.0f : result[0].polygon[1].x;
  };
  EXPECT_FLOAT_EQ(right_edge(4.0f, Json::object()), 4 * 24);  // left out: distance 4 >= 3
  EXPECT_FLOAT_EQ(right_edge(3.0f, Json::object()), 4 * 24);  // the threshold itself is too far
  EXPECT_FLOAT_EQ(right_edge(2.9f, Json::object()), 4 * 29);
  EXPECT_FLOAT_EQ(right_edge(4.0f, {{"distance_threshold", 5}}), 4 * 29);
  EXPECT_FLOAT_EQ(right_edge(0.5f, {{"distance_threshold", 0.4}}), 4 * 24);
}

TEST(PanCodec, SmallOrWeakInstancesAreDropped) {
  Tensor t = pan_maps();
  pan_instance(t, {2, 2, 4, 4}, {3, 3, 3, 3});                    // A: 9 pixels, 0.982
  pan_instance(t, {2, 15, 21, 20}, {5, 17, 18, 18}, weak_logit);  // C: 120 pixels, 0.731
  // PANHead: A is too small, C too weak.
  EXPECT_TRUE(decode("PANHead", t).empty());
  const auto small = decode("PANHead", t, {{"min_text_area", 9}});
  ASSERT_EQ(small.size(), 1u);
  expect_box(small[0].polygon, {2, 2, 4, 4});
  const auto weak = decode("PANHead", t, {{"min_text_avg_confidence", 0.7}});  // mmdeploy's name
  ASSERT_EQ(weak.size(), 1u);
  expect_box(weak[0].polygon, {2, 15, 21, 20});
  EXPECT_NEAR(weak[0].score, sigmoid(weak_logit), 1e-5);
  // PANPostprocessor (0.3): C only.
  EXPECT_EQ(decode("PANPostprocessor", t).size(), 1u);
  // A mean equal to the threshold is not above it: logit 0 is exactly 0.5, text above 0.4.
  Tensor even = pan_maps();
  pan_instance(even, {2, 15, 21, 20}, {5, 17, 18, 18}, 0.0f);
  const Json base = {{"min_text_confidence", 0.4}, {"min_kernel_confidence", 0.4}};
  Json at = base, below = base;
  at["score_threshold"] = 0.5;
  below["score_threshold"] = 0.49;
  EXPECT_TRUE(decode("PANHead", even, at).empty());
  EXPECT_EQ(decode("PANHead", even, below).size(), 1u);
}

TEST(PanCodec, TextAndKernelThresholds) {
  Tensor t = pan_maps();
  pan_instance(t, {2, 3, 21, 8}, {5, 5, 18, 6}, weak_logit);  // 0.731
  EXPECT_EQ(decode("PANPostprocessor", t).size(), 1u);
  EXPECT_TRUE(decode("PANPostprocessor", t, {{"min_text_confidence", 0.75}}).empty());
  EXPECT_TRUE(decode("PANPostprocessor", t, {{"min_kernel_confidence", 0.75}}).empty());
  // A kernel with no text under it is no kernel.
  Tensor no_text = pan_maps();
  paint(no_text, 1, {5, 5, 18, 6}, text_logit);
  EXPECT_TRUE(decode("PANPostprocessor", no_text).empty());
}

TEST(PanCodec, PolyFollowsTheContourAndDefaultsDependOnTheName) {
  Tensor t = pan_maps();
  pan_instance(t, l_bar, {5, 4, 26, 5});
  paint(t, 0, l_leg, text_logit);
  const auto poly = decode("PANPostprocessor", t);
  ASSERT_EQ(poly.size(), 1u);
  expect_l_contour(poly[0].polygon);
  const auto quad = decode("PANHead", t);
  ASSERT_EQ(quad.size(), 1u);
  expect_box(quad[0].polygon, {2, 2, 29, 25});
  expect_box(decode("PANPostprocessor", t, {{"text_repr_type", "quad"}})[0].polygon, {2, 2, 29, 25});
  expect_l_contour(decode("PANHead", t, {{"text_repr_type", "poly"}})[0].polygon);
}

TEST(PanCodec, DecodesTheRequestedBatchItem) {
  Tensor t = pan_maps(2);
  pan_instance(t, {2, 3, 21, 8}, {5, 5, 18, 6}, text_logit, 1);
  EXPECT_TRUE(decode("PANHead", t, Json::object(), unscaled, 0).empty());
  const auto second = decode("PANHead", t, Json::object(), unscaled, 1);
  ASSERT_EQ(second.size(), 1u);
  expect_box(second[0].polygon, {2, 3, 21, 8});
}

// ------------------------------------------------------------------------------------- both

TEST(PsePanCodecs, BadOutputsAreInternalErrorsNamingTheLayout) {
  for (const std::string& name : all_names) {
    SCOPED_TRACE(name);
    const bool pse = name.rfind("PSE", 0) == 0;
    const std::string layout = pse ? "[N,7,H,W]" : "[N,6,H,W]";
    const Tensor good = pse ? pse_maps() : pan_maps();
    auto expect_internal = [&](const std::vector<Tensor>& outputs, const std::string& text) {
      expect_error([&] { codec(name)->decode(outputs, 0, unscaled); }, ErrorKind::internal, text);
    };
    EXPECT_TRUE(codec(name)->decode({good}, 0, unscaled).empty());
    expect_internal({}, "no output");
    Tensor wrong_channels = pse ? pan_maps() : pse_maps();
    expect_internal({wrong_channels}, layout);
    Tensor rank3 = good;
    rank3.shape = {1, pse ? 7 : 6, map_height * map_width};
    expect_internal({rank3}, layout);
    Tensor empty_dim = good;
    empty_dim.shape = {1, pse ? 7 : 6, 0, map_width};
    expect_internal({empty_dim}, ", got [1," + std::string(pse ? "7" : "6") + ",0,40]");
    Tensor short_data = good;
    short_data.data.resize(100);
    expect_internal({short_data}, "holds 100 values");
    expect_error([&] { codec(name)->decode({good}, 0, {100, 80, 0.0, 1.0}); }, ErrorKind::internal, "geometry");
  }
}

TEST(PsePanCodecs, BadParamsNameTheField) {
  for (const std::string& name : all_names) {
    SCOPED_TRACE(name);
    expect_bad_param(name, {{"score_threshold", true}}, "score_threshold");
    expect_bad_param(name, {{"score_threshold", "0.5"}}, "score_threshold");
    expect_bad_param(name, {{"score_threshold", 1.5}}, "score_threshold");
    expect_bad_param(name, {{"min_text_avg_confidence", -0.1}}, "min_text_avg_confidence");
    expect_bad_param(name, {{"min_kernel_confidence", false}}, "min_kernel_confidence");
    expect_bad_param(name, {{"min_text_area", -1}}, "min_text_area");
    expect_bad_param(name, {{"downsample_ratio", 0}}, "downsample_ratio");
    expect_bad_param(name, {{"text_repr_type", "circle"}}, "text_repr_type");
    expect_bad_param(name, {{"text_repr_type", 4}}, "text_repr_type");
    expect_error([&] { codec(name, Json::array()); }, ErrorKind::bad_input, "params must be an object");
  }
  expect_bad_param("PSEHead", {{"min_kernel_area", true}}, "min_kernel_area");
  expect_bad_param("PSEPostprocessor", {{"min_kernel_area", -2}}, "min_kernel_area");
  expect_bad_param("PANHead", {{"min_text_confidence", 2}}, "min_text_confidence");
  expect_bad_param("PANPostprocessor", {{"distance_threshold", -1}}, "distance_threshold");
  expect_bad_param("PANPostprocessor", {{"distance_threshold", true}}, "distance_threshold");

  // The messages say what is wrong.
  const Error type = error_of([] { codec("PSEHead", {{"score_threshold", true}}); });
  EXPECT_STREQ(type.what(), "test: field \"score_threshold\" must be a number, got boolean: true");
  const Error range = error_of([] { codec("PANHead", {{"min_kernel_confidence", 1.5}}); });
  EXPECT_STREQ(range.what(), "test: field \"min_kernel_confidence\" must be in [0, 1], got 1.5");
  const Error area = error_of([] { codec("PANHead", {{"min_text_area", -1}}); });
  EXPECT_STREQ(area.what(), "test: field \"min_text_area\" must be a finite number >= 0, got -1");
}

TEST(PsePanCodecs, RegisteredNamesAcceptTheirConfigs) {
  for (const std::string& name : all_names) {
    EXPECT_EQ(codec_task(name, "test"), CodecTask::detection) << name;
    EXPECT_NE(codec(name, Json()), nullptr) << name;  // null params: defaults
  }
  // A config as MMOCR writes it (unknown keys are ignored; results are always rescaled).
  const Json mmocr = {{"text_repr_type", "quad"}, {"rescale_fields", {"polygons"}}, {"min_kernel_confidence", 0.5},
                      {"score_threshold", 0.3}, {"min_kernel_area", 0}, {"min_text_area", 16},
                      {"downsample_ratio", 0.25}};
  Tensor pse = pse_maps();
  pse_instance(pse, {2, 3, 21, 8}, {5, 5, 18, 6});
  expect_box(decode("PSEPostprocessor", pse, mmocr)[0].polygon, {2, 3, 21, 8});
  // mmdeploy's SDK keys, rescale false included.
  const Json sdk = {{"min_kernel_confidence", 0.5}, {"min_text_avg_confidence", 0.85}, {"min_kernel_area", 0},
                    {"min_text_area", 16}, {"rescale", false}, {"downsample_ratio", 0.25}};
  expect_box(decode("PSEHead", pse, sdk)[0].polygon, {2, 3, 21, 8});
  Tensor pan = pan_maps();
  pan_instance(pan, {2, 3, 21, 8}, {5, 5, 18, 6});
  expect_box(decode("PANHead", pan, sdk)[0].polygon, {2, 3, 21, 8});
}

// mmdeploy 1.x writes PSEHead and PANHead with "params": {}, and its SDK then decodes with its
// own defaults (psenet.cpp, panet.cpp: min_text_avg_confidence 0.85), not the model config's
// MMOCR values (0.3). ocrserve follows the SDK for {}, says so once per package with a warning
// that tells how to get MMOCR's values, and takes them from params.
TEST(PsePanCodecs, EmptyParamsWarnOnceThatTheSdkDefaultsApply) {
  std::ostringstream log;
  const auto previous = spdlog::default_logger();
  spdlog::set_default_logger(
      std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::ostream_sink_mt>(log)));
  auto make = [](const std::string& name, const Json& params, const std::string& where) {
    return make_detection_codec(name, params, {where, {}});
  };
  const std::string a = "a/pipeline.json: pipeline.tasks[2]", b = "b/pipeline.json: pipeline.tasks[2]";
  make("PSEHead", Json::object(), a);
  make("PSEHead", Json::object(), a);  // the same package again: no second warning
  make("PSEHead", Json(), a);
  make("PANHead", Json::object(), a);
  make("PSEHead", {{"min_text_avg_confidence", 0.3}}, b);  // values given: no warning
  make("PANHead", {{"text_repr_type", "quad"}}, b);
  make("PSEPostprocessor", Json::object(), b);  // MMOCR's own defaults: nothing to say
  make("PANPostprocessor", Json::object(), b);
  make("DBHead", Json::object(), b);  // the SDK's DB defaults are MMOCR's
  spdlog::set_default_logger(previous);

  const std::string text = log.str();
  auto count = [&](const std::string& what) {
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("has empty params"), 2u) << text;
  EXPECT_EQ(count(a + ": PSEHead has empty params, as mmdeploy 1.x writes it"), 1u) << text;
  EXPECT_EQ(count(a + ": PANHead has empty params"), 1u) << text;
  EXPECT_EQ(count(b), 0u) << text;
  EXPECT_EQ(count("\"min_text_avg_confidence\": 0.3"), 2u) << text;  // how to get MMOCR's values
  EXPECT_EQ(count("0.85"), 2u) << text;

  // What the warning describes: a 120-pixel instance of mean score 0.731 is below the SDK's
  // 0.85 (PANet needs area and score); with MMOCR's 0.3 it is kept.
  Tensor t = pan_maps();
  pan_instance(t, {2, 15, 21, 20}, {5, 17, 18, 18}, weak_logit);
  EXPECT_TRUE(decode("PANHead", t).empty());
  const auto kept = decode("PANHead", t, {{"min_text_avg_confidence", 0.3}});
  ASSERT_EQ(kept.size(), 1u);
  expect_box(kept[0].polygon, {2, 15, 21, 20});
  EXPECT_NEAR(kept[0].score, sigmoid(weak_logit), 1e-5);
}

}  // namespace
}  // namespace ocrserve
