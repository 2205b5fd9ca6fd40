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
  // MMOCR keeps ASCII letters and digits and CJK ideographs: the plate dot goes, accents too.
  EXPECT_EQ(ignore_case_symbol("皖A·Y766D"), "皖ay766d");
  EXPECT_EQ(ignore_case_symbol("Café（1）"), "caf1");
  EXPECT_TRUE(equal_ignoring_case_symbol("皖AY766D", "皖A·Y766D"));
  RecognitionCounts counts;
  counts.add("Hello", "Hello");
  counts.add("Hello", "hello!");
  counts.add("kitten", "sitting");
  EXPECT_EQ(counts.words, 3u);
  EXPECT_NEAR(counts.word_accuracy(), 1.0 / 3, 1e-9);
  EXPECT_NEAR(counts.word_accuracy_ignore_case_symbol(), 2.0 / 3, 1e-9);
  EXPECT_NEAR(counts.cer(), (0 + 2 + 3) / 16.0, 1e-9);  // H→h and the "!" are two edits
}

// MMOCR's ignore-case-symbol form: re.sub('[^A-Z^a-z^0-9^\u4e00-\u9fa5]', '', text.lower())
// (WordMetric, CharMetric). Every expected value here is what Python 3 gives for that expression.
TEST(Recognition, IgnoreCaseSymbolIsMmocrsRegexAfterLower) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"皖A·Y766D", "皖ay766d"},
      {"A^B", "a^b"},  // the class's later "^" are literal: carets are kept
      {"x-y/z 1", "xyz1"},
      {"\u0130stanbul", "istanbul"},  // İ lower-cases to "i" + U+0307
      {"\u212Aelvin", "kelvin"},      // the Kelvin sign lower-cases to "k"
      {"ＡＢＣ１", ""},                // full-width forms are not ASCII
      {"Größe", "gre"},
      {"你好，世界！", "你好世界"},
      {"a\u00B7b\u30FBc\u2022d", "abcd"},  // middle dot, katakana middle dot, bullet
      {"É^è_9", "^9"},
  };
  for (const auto& [text, form] : cases) EXPECT_EQ(ignore_case_symbol(text), form) << text;
  EXPECT_TRUE(equal_ignoring_case_symbol("A-B·C", "abc"));
  EXPECT_FALSE(equal_ignoring_case_symbol("a^b", "ab"));
}

TEST(LineAccuracy, SubstringEditDistance) {
  EXPECT_EQ(substring_edit_distance("world", "hello world!"), 0u);
  EXPECT_EQ(substring_edit_distance("wor1d", "hello world"), 1u);
  EXPECT_EQ(substring_edit_distance("abc", ""), 3u);
  EXPECT_EQ(substring_edit_distance("", "abc"), 0u);
  EXPECT_EQ(substring_edit_distance("中文", "这是中国字"), 1u);
}

TEST(LineAccuracy, EachTruthLineAgainstTheTextThatReadsMostLikeIt) {
  const std::vector<TruthRegion> truth = {{square(0, 0), "TOTAL 12.00", false},  // read, other spacing and case
                                          {square(0, 20), "Date", false},        // a word inside a read line
                                          {square(0, 40), "Tax 6%", false},      // read as "Tax 67": 1 of 5
                                          {square(0, 60), "MISSING", false},     // not read at all
                                          {square(0, 80), "###", true},          // don't care: not counted
                                          {square(0, 90), "皖AY766D", false}};   // plate dot ignored
  LineAccuracy lines;
  lines.add(truth, {"Total  12.00", "Date: 01/02/2018", "tax 67", "皖A·Y766D"});
  EXPECT_EQ(lines.lines, 5u);
  EXPECT_EQ(lines.exact, 3u);
  EXPECT_NEAR(lines.accuracy(), (1 + 1 + 0.8 + 0 + 1) / 5.0, 1e-9);
  EXPECT_NEAR(lines.exact_rate(), 3 / 5.0, 1e-9);
  LineAccuracy none;
  none.add(truth, {});
  EXPECT_EQ(none.lines, 5u);
  EXPECT_DOUBLE_EQ(none.accuracy(), 0.0);
}

TEST(Datasets, DevSetFoldersAndTranscriptionLists) {
  const std::filesystem::path dev = OCRSERVE_DATA_DIR "/dev";
  // images/ beside gt/: the layout of the dev sets and of the data sets' own archives.
  const auto sroie = load_detection_dataset(dev / "sroie");
  ASSERT_EQ(sroie.size(), 20u);
  size_t lines = 0;
  for (const auto& sample : sroie) {
    EXPECT_EQ(sample.image.parent_path().filename(), "images");
    EXPECT_TRUE(sample.has_boxes);
    lines += sample.regions.size();
  }
  EXPECT_EQ(lines, 1046u);
  // A transcription list: lines without boxes, one row per line (dev) or per image (MMOCR demo).
  const auto zh = load_detection_dataset(dev / "zh" / "labels.tsv");
  ASSERT_EQ(zh.size(), 11u);
  EXPECT_FALSE(zh[0].has_boxes);
  ASSERT_EQ(zh[0].regions.size(), 1u);
  EXPECT_EQ(zh[0].regions[0].text.rfind("皖A", 0), 0u);
  const auto demo = load_detection_dataset(kData / "demo" / "labels.tsv");
  ASSERT_EQ(demo.size(), 3u);
  EXPECT_EQ(demo[0].image.filename(), "demo_text_det.jpg");
  EXPECT_EQ(demo[0].regions.size(), 9u);
  EXPECT_EQ(demo[0].regions[0].text, "Octavia Hill");
  const auto list = std::filesystem::temp_directory_path() / ("ocrserve-lines-" + std::to_string(getpid()) + ".tsv");
  std::ofstream(list) << "missing.jpg\tTEXT\n";
  EXPECT_THROW(load_detection_dataset(list), Error);  // the image named is not there
  std::filesystem::remove(list);
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
