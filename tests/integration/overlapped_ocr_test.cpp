// Overlapped stages (OcrOptions::overlap_stages) on the real packages and images: the same
// results as the stages in turn, in order, and a failed image failing alone.
#include <gtest/gtest.h>

#include <stdexcept>

#include "core/image.hpp"
#include "ocrserve/error.hpp"
#include "ocrserve/ocr.hpp"
#include "support/ground_truth.hpp"

namespace ocrserve {
namespace {

using test::kData;
using test::kModels;

OcrOptions two_threads(bool overlap, size_t batch_size = 1) {
  OcrOptions options;
  options.detector = kModels / "ppocr-det";
  options.recognizer = kModels / "ppocr-rec";
  options.backend.intra_op_threads = 2;
  options.batch_size = batch_size;
  options.overlap_stages = overlap;
  return options;
}

std::vector<cv::Mat> some_images() {
  std::vector<cv::Mat> images;
  for (const char* name : {"demo/demo_text_det.jpg", "det_toy/img_1.jpg", "demo/demo_text_recog.jpg",
                           "det_toy/img_2.jpg", "demo/demo_text_ocr.jpg"}) {
    images.push_back(read_image(kData / name));
  }
  return images;
}

void expect_same(const OcrResult& got, const OcrResult& expected, const std::string& what) {
  ASSERT_EQ(got.size(), expected.size()) << what;
  for (size_t k = 0; k < got.size(); ++k) {
    EXPECT_EQ(got[k].text, expected[k].text) << what << ", line " << k;
    EXPECT_FLOAT_EQ(got[k].score, expected[k].score) << what << ", line " << k;
    EXPECT_FLOAT_EQ(got[k].det_score, expected[k].det_score) << what << ", line " << k;
    ASSERT_EQ(got[k].polygon.size(), expected[k].polygon.size()) << what << ", line " << k;
    for (size_t p = 0; p < got[k].polygon.size(); ++p) {
      EXPECT_FLOAT_EQ(got[k].polygon[p].x, expected[k].polygon[p].x) << what << ", line " << k;
      EXPECT_FLOAT_EQ(got[k].polygon[p].y, expected[k].polygon[p].y) << what << ", line " << k;
    }
  }
}

// Each image run alone, stages in turn: what a stream must give for it.
std::vector<OcrResult> one_by_one(Ocr& ocr, const std::vector<cv::Mat>& images) {
  std::vector<OcrResult> results;
  for (const auto& image : images) results.push_back(ocr.run({image}).front());
  return results;
}

// Streams `images` through run_each; an empty optional in `images` is an image that fails to be read.
std::vector<OcrOutcome> stream(Ocr& ocr, const std::vector<std::optional<cv::Mat>>& images) {
  std::vector<OcrOutcome> outcomes;
  size_t next = 0;
  ocr.run_each(
      [&]() -> std::optional<cv::Mat> {
        if (next == images.size()) return std::nullopt;
        const auto& image = images[next++];
        if (!image) decode_image(std::vector<uint8_t>{'n', 'o', 't', ' ', 'a', 'n', ' ', 'i', 'm', 'a', 'g', 'e'}, "broken");
        return *image;
      },
      [&](OcrOutcome&& outcome) { outcomes.push_back(std::move(outcome)); });
  return outcomes;
}

std::string message_of(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  }
}

TEST(OverlappedOcr, OnlyWithTwoThreadsOrMore) {
  EXPECT_TRUE(Ocr(two_threads(true)).overlapped());
  EXPECT_FALSE(Ocr(two_threads(false)).overlapped());
  OcrOptions one = two_threads(true);
  one.backend.intra_op_threads = 1;
  EXPECT_FALSE(Ocr(one).overlapped());
}

TEST(OverlappedOcr, StreamReadsEachImageAsStagesInTurnDo) {
  const std::vector<cv::Mat> images = some_images();
  Ocr in_turn(two_threads(false));
  const std::vector<OcrResult> expected = one_by_one(in_turn, images);
  ASSERT_GE(expected[0].size(), 5u);  // the plaque: several lines, so recognition has batches to share

  Ocr overlapped(two_threads(true));
  for (Ocr* ocr : {&overlapped, &in_turn}) {
    const std::vector<OcrOutcome> outcomes = stream(*ocr, {images.begin(), images.end()});
    ASSERT_EQ(outcomes.size(), images.size());
    for (size_t i = 0; i < images.size(); ++i) {
      EXPECT_EQ(outcomes[i].index, i);
      EXPECT_FALSE(outcomes[i].error) << message_of(outcomes[i].error);
      EXPECT_GT(outcomes[i].times.inference.count(), 0.0) << "image " << i;
      expect_same(outcomes[i].result, expected[i], "image " + std::to_string(i));
    }
  }
  bool found = false;
  for (const auto& item : expected[0]) found = found || item.text == "Octavia Hill";
  EXPECT_TRUE(found);
}

// run() batches the lines of all its images together; in lanes, the batches are the same.
TEST(OverlappedOcr, RunOfSeveralImagesGivesWhatStagesInTurnGive) {
  const std::vector<cv::Mat> images = some_images();
  const std::vector<OcrResult> expected = Ocr(two_threads(false, 6)).run(images);
  StageTimes times;
  const std::vector<OcrResult> got = Ocr(two_threads(true, 6)).run(images, &times);
  ASSERT_EQ(got.size(), images.size());
  for (size_t i = 0; i < images.size(); ++i) expect_same(got[i], expected[i], "image " + std::to_string(i));
  EXPECT_GT(times.inference.count(), 0.0);
  EXPECT_TRUE(Ocr(two_threads(true)).run({}).empty());
}

// An image that cannot be read, and one that fails in detection (empty), in the middle of the
// stream: each has its error in its place, and the others their results.
TEST(OverlappedOcr, FailedImagesFailAloneAndOrderIsKept) {
  const std::vector<cv::Mat> images = some_images();
  Ocr in_turn(two_threads(false));
  const std::vector<OcrResult> expected = one_by_one(in_turn, images);
  const std::vector<std::optional<cv::Mat>> given = {images[0], images[1], std::nullopt, cv::Mat(), images[2],
                                                     images[3], images[4]};
  const std::vector<int> source = {0, 1, -1, -1, 2, 3, 4};  // the image each entry is, -1 for the failing ones
  Ocr overlapped(two_threads(true));
  for (Ocr* ocr : {&overlapped, &in_turn}) {
    const std::vector<OcrOutcome> outcomes = stream(*ocr, given);
    ASSERT_EQ(outcomes.size(), given.size());
    for (size_t i = 0; i < given.size(); ++i) {
      EXPECT_EQ(outcomes[i].index, i);
      if (source[i] < 0) {
        ASSERT_TRUE(outcomes[i].error) << "entry " << i;
        EXPECT_TRUE(outcomes[i].result.empty());
        EXPECT_NE(message_of(outcomes[i].error).find(i == 2 ? "broken" : "empty image"), std::string::npos)
            << message_of(outcomes[i].error);
      } else {
        EXPECT_FALSE(outcomes[i].error) << "entry " << i << ": " << message_of(outcomes[i].error);
        expect_same(outcomes[i].result, expected[static_cast<size_t>(source[i])], "entry " + std::to_string(i));
      }
    }
  }
}

// An exception from `done` stops the stream (no more images are read after it), and the Ocr
// still runs afterwards.
TEST(OverlappedOcr, ExceptionFromDoneStopsTheStream) {
  const std::vector<cv::Mat> images = some_images();
  Ocr ocr(two_threads(true));
  size_t read = 0, done = 0;
  EXPECT_THROW(ocr.run_each(
                   [&]() -> std::optional<cv::Mat> { return images[read++ % images.size()]; },  // endless
                   [&](OcrOutcome&&) {
                     if (++done == 3) throw std::runtime_error("enough");
                   }),
               std::runtime_error);
  EXPECT_EQ(done, 3u);
  EXPECT_LE(read, 3u + 2 * 2);  // at most the window of jobs in flight beyond those done
  const std::vector<OcrOutcome> again = stream(ocr, {images[0]});
  ASSERT_EQ(again.size(), 1u);
  expect_same(again[0].result, ocr.run({images[0]}).front(), "after the stop");
}

}  // namespace
}  // namespace ocrserve
