// `ocrserve bench --sweep`: the synthetic pages it times, its line fits, and the command's table,
// JSON and CSV on a tiny grid. Values are checked, never timings.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include "cli/bench_sweep.hpp"
#include "cli/synthetic_page.hpp"
#include "ocrserve/detector.hpp"
#include "ocrserve/error.hpp"
#include "ocrserve/ocr.hpp"
#include "support/ground_truth.hpp"
#include "support/process.hpp"

namespace ocrserve {
namespace {

namespace fs = std::filesystem;
using test::kModels;
using test::run_process;

const std::string kBinary = OCRSERVE_BINARY;

// The lines sweep's page: 2 MP, 4 columns of 50 slots.
SyntheticPageSpec lines_page(int lines) {
  const cv::Size size = a4_page_size(2.0);
  return {size.width, size.height, lines, 4, 50, 1};
}

// The size sweep's page: 20 lines in one column.
SyntheticPageSpec size_page(double megapixels) {
  const cv::Size size = a4_page_size(megapixels);
  return {size.width, size.height, 20, 1, 0, 1};
}

TEST(SyntheticPage, IsTheSameForTheSameSeedAndDiffersForAnother) {
  const SyntheticPage a = draw_synthetic_page(lines_page(30));
  const SyntheticPage b = draw_synthetic_page(lines_page(30));
  ASSERT_EQ(a.image.size(), b.image.size());
  EXPECT_EQ(cv::norm(a.image, b.image, cv::NORM_INF), 0);
  EXPECT_EQ(a.texts, b.texts);
  SyntheticPageSpec other = lines_page(30);
  other.seed = 2;
  const SyntheticPage c = draw_synthetic_page(other);
  EXPECT_NE(a.texts, c.texts);
  EXPECT_GT(cv::norm(a.image, c.image, cv::NORM_L1), 0);
}

TEST(SyntheticPage, DrawsEveryLineAskedForAndNothingElse) {
  for (int lines : {0, 1, 7, 50, 51, 200}) {
    const SyntheticPage page = draw_synthetic_page(lines_page(lines));
    ASSERT_EQ(page.boxes.size(), static_cast<size_t>(lines));
    ASSERT_EQ(page.texts.size(), static_cast<size_t>(lines));
    EXPECT_EQ(page.image.size(), a4_page_size(2.0));
    cv::Mat gray;
    cv::cvtColor(page.image, gray, cv::COLOR_BGR2GRAY);
    const cv::Mat ink = gray < 128;
    cv::Mat covered = cv::Mat::zeros(gray.size(), CV_8U);
    const cv::Rect whole({0, 0}, gray.size());
    for (size_t i = 0; i < page.boxes.size(); ++i) {
      const cv::Rect box = page.boxes[i];
      EXPECT_EQ(box & whole, box) << "line " << i << " leaves the page";
      EXPECT_GT(cv::countNonZero(ink(box)), box.area() / 20) << "line " << i << " has no ink";
      EXPECT_FALSE(page.texts[i].empty());
      for (size_t j = 0; j < i; ++j) EXPECT_TRUE((box & page.boxes[j]).empty()) << "lines " << j << " and " << i << " overlap";
      covered(box) = 255;
    }
    // Antialiased edges may spill a pixel past the font's box; dark ink may not.
    cv::dilate(covered, covered, cv::Mat::ones(5, 5, CV_8U));
    EXPECT_EQ(cv::countNonZero(ink & ~covered), 0) << lines << " lines: ink outside the lines";
  }
}

TEST(SyntheticPage, ScalesTheSamePageWithItsSize) {
  const SyntheticPage small = draw_synthetic_page(size_page(0.25));
  const SyntheticPage large = draw_synthetic_page(size_page(4));
  EXPECT_EQ(small.texts, large.texts);
  EXPECT_NEAR(static_cast<double>(large.text_height) / small.text_height, 4.0, 0.5);  // 16× the pixels: 4× the height
  EXPECT_NEAR(a4_page_size(1).area() / 1e6, 1.0, 0.01);
  EXPECT_NEAR(static_cast<double>(a4_page_size(1).height) / a4_page_size(1).width, std::sqrt(2.0), 0.01);
}

TEST(SyntheticPage, RefusesGridsItCannotDraw) {
  EXPECT_THROW(draw_synthetic_page({1190, 1684, 201, 4, 50, 1}), Error);  // more lines than slots
  EXPECT_THROW(draw_synthetic_page({400, 400, 100, 1, 0, 1}), Error);     // letters under 8 px
  EXPECT_THROW(draw_synthetic_page({200, 4000, 10, 8, 0, 1}), Error);     // columns too narrow
  EXPECT_THROW(draw_synthetic_page({10, 10, 1, 1, 0, 1}), Error);
}

// The pages are meant to cost what real pages cost: the default detector must find the lines
// that were drawn, one region each, on the sweeps' pages at both ends of their ranges.
TEST(SyntheticPage, TheDefaultDetectorFindsTheLinesDrawn) {
  Detector detector(kModels / "ppocr-det");
  std::vector<std::pair<std::string, SyntheticPageSpec>> cases;
  for (int lines : {1, 25, 100, 200}) cases.push_back({std::to_string(lines) + " lines, 2 MP", lines_page(lines)});
  for (double mp : {0.25, 4.0}) cases.push_back({"20 lines, " + std::to_string(mp) + " MP", size_page(mp)});
  for (const auto& [name, spec] : cases) {
    const SyntheticPage page = draw_synthetic_page(spec);
    const auto found = detector.detect({page.image}).front().size();
    EXPECT_NEAR(static_cast<double>(found), spec.lines, std::max(1.0, 0.03 * spec.lines)) << name;
  }
}

TEST(SyntheticPage, TheDefaultOcrReadsMostLinesExactly) {
  Ocr ocr(OcrOptions::with_default_models());
  const SyntheticPage page = draw_synthetic_page(size_page(1));
  const OcrResult result = ocr.run({page.image}).front();
  size_t exact = 0;
  for (const auto& item : result) exact += std::count(page.texts.begin(), page.texts.end(), item.text);
  EXPECT_GE(exact, page.texts.size() * 7 / 10);
}

TEST(FitLine, RecoversALineAndItsQuality) {
  const LinearFit exact = fit_line({1, 2, 4, 8}, {12, 14, 18, 26});
  EXPECT_NEAR(exact.slope, 2, 1e-9);
  EXPECT_NEAR(exact.intercept, 10, 1e-9);
  EXPECT_NEAR(exact.r2, 1, 1e-9);
  const LinearFit flat = fit_line({1, 2, 3}, {5, 5, 5});
  EXPECT_EQ(flat.slope, 0);
  EXPECT_EQ(flat.intercept, 5);
  EXPECT_EQ(flat.r2, 1);
  const LinearFit noisy = fit_line({1, 2, 3, 4}, {1, 3, 2, 4});
  EXPECT_NEAR(noisy.slope, 0.8, 1e-9);
  EXPECT_NEAR(noisy.r2, 0.64, 1e-9);
}

class BenchSweep : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ocrserve-sweep-" + std::to_string(getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(BenchSweep, PrintsAndWritesTheRequestedPoints) {
  const auto r = run_process({kBinary, "bench", "--sweep", "--sweep-mp", "0.25,0.5", "--sweep-mp-lines", "5", "--sweep-lines",
                              "1,3", "--warmup", "0", "-n", "1", "--json", (dir_ / "sweep.json").string(), "--csv",
                              (dir_ / "sweep.csv").string(), "--sweep-pages", (dir_ / "pages").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("size sweep: A4 pages of 5 lines"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("lines sweep: 1189x1682 pages"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("fit total_ms"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("fit cpu_total_ms"), std::string::npos) << r.out;

  const auto record = nlohmann::json::parse(test::slurp(dir_ / "sweep.json"));
  EXPECT_EQ(record["mode"], "sweep");
  EXPECT_EQ(record["pipeline"], "ocr");
  EXPECT_EQ(record["iterations"], 1);
  ASSERT_EQ(record["sweeps"].size(), 2u);
  const auto& size = record["sweeps"][0];
  EXPECT_EQ(size["name"], "size");
  ASSERT_EQ(size["points"].size(), 2u);
  const std::vector<std::pair<int, int>> sizes = {{420, 595}, {595, 841}};
  for (size_t i = 0; i < 2; ++i) {
    const auto& p = size["points"][i];
    EXPECT_EQ(p["width"], sizes[i].first);
    EXPECT_EQ(p["height"], sizes[i].second);
    EXPECT_NEAR(p["megapixels"].get<double>(), i == 0 ? 0.25 : 0.5, 0.01);
    EXPECT_EQ(p["lines"], 5);
    EXPECT_EQ(p["regions"], 5);
    EXPECT_GE(p["cap_height"].get<int>(), 8);
    for (const char* stage : {"decode_ms", "det_ms", "rec_ms", "total_ms", "cpu_det_ms", "cpu_rec_ms", "cpu_total_ms"})
      EXPECT_GE(p[stage].get<double>(), 0) << stage;
    EXPECT_GE(p["total_ms"].get<double>(), p["det_ms"].get<double>());
  }
  for (const char* stage : {"total_ms", "det_ms", "rec_ms", "cpu_total_ms", "cpu_det_ms", "cpu_rec_ms"})
    EXPECT_TRUE(size["fit"][stage].contains("r2")) << stage;
  const auto& lines = record["sweeps"][1];
  EXPECT_EQ(lines["name"], "lines");
  EXPECT_EQ(lines["fixed"]["width"], 1189);
  ASSERT_EQ(lines["points"].size(), 2u);
  EXPECT_EQ(lines["points"][0]["lines"], 1);
  EXPECT_EQ(lines["points"][1]["lines"], 3);
  EXPECT_EQ(lines["points"][1]["regions"], 3);

  std::istringstream csv(test::slurp(dir_ / "sweep.csv"));
  std::vector<std::string> rows;
  for (std::string row; std::getline(csv, row);) rows.push_back(row);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0], "sweep,megapixels,width,height,lines,regions,read,decode_ms,det_ms,rec_ms,total_ms,cpu_det_ms,cpu_rec_ms,"
                     "cpu_total_ms");
  EXPECT_EQ(rows[1].rfind("size,0.24", 0), 0u) << rows[1];
  EXPECT_EQ(rows[4].rfind("lines,", 0), 0u) << rows[4];
  EXPECT_NE(rows[4].find(",1189,1682,3,3,"), std::string::npos) << rows[4];

  EXPECT_TRUE(fs::exists(dir_ / "pages" / "size-420x595-5lines.png"));
  EXPECT_TRUE(fs::exists(dir_ / "pages" / "lines-1189x1682-3lines.png"));
}

TEST_F(BenchSweep, RunsOneSweepWhenNamed) {
  const auto r = run_process({kBinary, "bench", "--sweep", "lines", "--sweep-lines", "2", "--warmup", "0", "-n", "1", "--json",
                              (dir_ / "sweep.json").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto record = nlohmann::json::parse(test::slurp(dir_ / "sweep.json"));
  ASSERT_EQ(record["sweeps"].size(), 1u);
  EXPECT_EQ(record["sweeps"][0]["name"], "lines");
  EXPECT_EQ(record["sweeps"][0]["points"][0]["regions"], 2);
  EXPECT_EQ(r.out.find("size sweep"), std::string::npos);
}

TEST_F(BenchSweep, RefusesWhatItCannotDo) {
  const auto no_images = run_process({kBinary, "bench"});
  EXPECT_EQ(no_images.exit_code, 2);
  EXPECT_NE(no_images.err.find("--sweep"), std::string::npos) << no_images.err;
  const auto with_images = run_process({kBinary, "bench", (test::kData / "demo").string(), "--sweep"});
  EXPECT_EQ(with_images.exit_code, 2);
  EXPECT_NE(with_images.err.find("give no images"), std::string::npos) << with_images.err;
  const auto unknown = run_process({kBinary, "bench", "--sweep", "pixels"});
  EXPECT_EQ(unknown.exit_code, 2) << unknown.err;
  const auto not_ocr = run_process({kBinary, "bench", "--sweep", "--model", (kModels / "ppocr-rec").string()});
  EXPECT_EQ(not_ocr.exit_code, 5) << not_ocr.err;
  const auto too_many = run_process({kBinary, "bench", "--sweep", "lines", "--sweep-lines", "1,201"});
  EXPECT_EQ(too_many.exit_code, 2) << too_many.err;
  const auto unreadable = run_process({kBinary, "bench", "--sweep", "size", "--sweep-mp", "0.05", "--sweep-mp-lines", "100"});
  EXPECT_EQ(unreadable.exit_code, 3) << unreadable.err;
  EXPECT_NE(unreadable.err.find("synthetic page"), std::string::npos) << unreadable.err;
}

}  // namespace
}  // namespace ocrserve
