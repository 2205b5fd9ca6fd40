// Accuracy metrics on crafted cases with known answers, and the data-set readers on the shared data.
#include <gtest/gtest.h>

#include <fstream>

#include "eval/dataset.hpp"
#include "eval/metrics.hpp"
#include "ocrserve/error.hpp"

namespace ocrserve {
namespace {

const std::filesystem::path kData = OCRSERVE_DATA_DIR "/mmocr";

Polygon square(float x, float y, float size = 10) { return {{x, y}, {x + size, y}, {x + size, y + size}, {x, y + size}}; }

TEST(PolygonIou, KnownOverlaps) {
  EXPECT_NEAR(polygon_iou(square(0, 0), square(0, 0)), 1.0, 1e-9);
  EXPECT_NEAR(polygon_iou(square(0, 0), square(5, 0)), 50.0 / 150.0, 1e-6);
  EXPECT_NEAR(polygon_iou(square(0, 0), square(20, 0)), 0.0, 1e-9);
  // An L shape (area 75) against the square that holds it (area 100): 75 / 100.
  const Polygon l_shape = {{0, 0}, {10, 0}, {10, 5}, {5, 5}, {5, 10}, {0, 10}};
  EXPECT_NEAR(polygon_iou(l_shape, square(0, 0)), 0.75, 1e-6);
}

TEST(Detection, PerfectMatchIsOne) {
  const std::vector<TruthRegion> truth = {{square(0, 0), "a", false}, {square(50, 50), "b", false}};
  const auto counts = match_detections(truth, {square(50, 50), square(0, 0)});
  EXPECT_EQ(counts.matched, 2u);
  EXPECT_DOUBLE_EQ(counts.precision(), 1.0);
  EXPECT_DOUBLE_EQ(counts.recall(), 1.0);
  EXPECT_DOUBLE_EQ(counts.hmean(), 1.0);
}

TEST(Detection, ShiftedBoxBelowHalfIouMisses) {
  const std::vector<TruthRegion> truth = {{square(0, 0), "a", false}};
  // Shifted by 6 px: 40 / 160 = 0.25.
  const auto counts = match_detections(truth, {square(6, 0)});
  EXPECT_EQ(counts.matched, 0u);
  EXPECT_DOUBLE_EQ(counts.precision(), 0.0);
  EXPECT_DOUBLE_EQ(counts.recall(), 0.0);
  EXPECT_EQ(match_detections(truth, {square(2, 0)}).matched, 1u);  // 80 / 120 = 0.67
}

TEST(Detection, DontCareRegionsNeitherHelpNorHurt) {
  const std::vector<TruthRegion> truth = {{square(0, 0), "a", false}, {square(50, 50), "###", true}};
  const auto with = match_detections(truth, {square(0, 0), square(50, 50)});
  const auto without = match_detections(truth, {square(0, 0)});
  EXPECT_EQ(with.truth, 1u);
  EXPECT_EQ(with.detected, 1u);  // the detection on the don't-care region is dropped
  EXPECT_DOUBLE_EQ(with.hmean(), 1.0);
  EXPECT_DOUBLE_EQ(without.hmean(), 1.0);
}

TEST(Detection, MatchingIsOneToOne) {
  const std::vector<TruthRegion> truth = {{square(0, 0), "a", false}};
  const auto counts = match_detections(truth, {square(0, 0), square(1, 0)});
  EXPECT_EQ(counts.matched, 1u);
  EXPECT_DOUBLE_EQ(counts.precision(), 0.5);
}

TEST(Detection, EndToEndNeedsTheText) {
  const std::vector<TruthRegion> truth = {{square(0, 0), "Hello", false}, {square(50, 50), "World", false}};
  const std::vector<std::string> texts = {"hello!", "word"};
  const auto counts = match_detections(truth, {square(0, 0), square(50, 50)}, 0.5, &texts, equal_ignoring_case_symbol);
  EXPECT_EQ(counts.matched, 1u);
}

TEST(Recognition, EditDistanceAndAccuracy) {
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("中文", "中国"), 1u);  // code points, not bytes
  EXPECT_EQ(utf8_length("中文"), 2u);
  EXPECT_EQ(ignore_case_symbol("Hello, World!"), "helloworld");
  RecognitionCounts counts;
  counts.add("Hello", "Hello");
  counts.add("Hello", "hello!");
  counts.add("kitten", "sitting");
  EXPECT_EQ(counts.words, 3u);
  EXPECT_NEAR(counts.word_accuracy(), 1.0 / 3, 1e-9);
  EXPECT_NEAR(counts.word_accuracy_ignore_case_symbol(), 2.0 / 3, 1e-9);
  EXPECT_NEAR(counts.cer(), (0 + 2 + 3) / 16.0, 1e-9);  // H→h and the "!" are two edits
}

TEST(Datasets, IcdarFolderAndMmocrJsonAgree) {
  const auto icdar = load_detection_dataset(kData / "det_toy");
  const auto mmocr = load_detection_dataset(kData / "det_toy" / "textdet_test.json");
  ASSERT_EQ(icdar.size(), 10u);
  ASSERT_EQ(mmocr.size(), 10u);
  size_t icdar_care = 0, mmocr_care = 0;
  for (const auto& sample : icdar) {
    EXPECT_TRUE(std::filesystem::exists(sample.image));
    for (const auto& region : sample.regions) icdar_care += !region.ignore;
  }
  for (const auto& sample : mmocr) {
    for (const auto& region : sample.regions) mmocr_care += !region.ignore;
  }
  EXPECT_EQ(icdar_care, 21u);
  EXPECT_EQ(mmocr_care, icdar_care);
  const auto img1 = read_icdar_ground_truth(kData / "det_toy" / "gt_img_1.txt");
  ASSERT_EQ(img1.size(), 7u);
  EXPECT_EQ(img1[0].text, "Genaxis Theatre");  // BOM stripped
  EXPECT_TRUE(img1[2].ignore);
}

TEST(Datasets, RecognitionJsonAndTsv) {
  const auto words = load_recognition_dataset(kData / "rec_toy" / "labels.json");
  ASSERT_EQ(words.size(), 10u);
  EXPECT_EQ(words[0].text, "GRAND");
  const auto list = std::filesystem::temp_directory_path() / ("ocrserve-eval-" + std::to_string(getpid()) + ".tsv");
  std::ofstream(list) << (kData / "demo/demo_text_recog.jpg").string() << "\tSTAR\n";
  const auto tsv = load_recognition_dataset(list);
  ASSERT_EQ(tsv.size(), 1u);
  EXPECT_EQ(tsv[0].text, "STAR");
  std::ofstream(list) << "no tab here\n";
  EXPECT_THROW(load_recognition_dataset(list), Error);
  std::filesystem::remove(list);
  EXPECT_THROW(load_detection_dataset(kData / "demo"), Error);  // no ground truth there
}

}  // namespace
}  // namespace ocrserve
