// A worker's OCR model with 2 threads overlaps its stages over the images of a batch: the same
// JSON per image as with 1 thread (stages in turn), a broken image failing alone in its place.
#include <gtest/gtest.h>

#include "core/image.hpp"
#include "core/json_file.hpp"
#include "frontend/results/result_json.hpp"
#include "serve/servable.hpp"
#include "support/ground_truth.hpp"

namespace ocrserve {
namespace {

using test::kData;
using test::kModels;

std::vector<ItemOutcome> run_batch(int threads, const std::vector<std::string>& bodies) {
  ServableSpec spec = ServableSpec::from_packages(kModels / "ppocr-det", kModels / "ppocr-rec");
  spec.pipeline.backend.intra_op_threads = threads;
  Servable servable(spec);
  std::vector<const std::string*> images;
  for (const auto& body : bodies) images.push_back(&body);
  return servable.run(images);
}

TEST(ServableOverlap, BatchOfImagesGivesTheSameJsonAsStagesInTurn) {
  std::vector<std::string> bodies;
  for (const char* name : {"demo/demo_text_det.jpg", "demo/broken.jpg", "det_toy/img_1.jpg", "demo/demo_text_recog.jpg"}) {
    const auto bytes = read_file_bytes(kData / name);
    bodies.emplace_back(bytes.begin(), bytes.end());
  }
  const std::vector<ItemOutcome> in_turn = run_batch(1, bodies), overlapped = run_batch(2, bodies);
  ASSERT_EQ(overlapped.size(), bodies.size());
  for (size_t i = 0; i < bodies.size(); ++i) {
    EXPECT_EQ(overlapped[i].error.has_value(), i == 1) << i;
    EXPECT_EQ(in_turn[i].error.has_value(), i == 1) << i;
    EXPECT_EQ(result_json(overlapped[i].result), result_json(in_turn[i].result)) << i;
  }
  EXPECT_EQ(std::get<OcrResult>(overlapped[3].result).at(0).text, "STAR");
  EXPECT_GE(std::get<OcrResult>(overlapped[0].result).size(), 5u);
}

}  // namespace
}  // namespace ocrserve
