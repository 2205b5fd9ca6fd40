#include "ocrserve/ocr.hpp"

#include <algorithm>

#include "ocrserve/default_models.hpp"
#include "pipeline/ocr_lane.hpp"
#include "pipeline/overlapped_ocr.hpp"

namespace ocrserve {

namespace {

// As the recogniser's copies: past 8, memory rather than cores would bound the lanes.
constexpr int kMaxLanes = 8;

// One lane with every thread, or, overlapping, one single-threaded lane per thread: on two cores
// a lane detects while the other recognises, and both recognise when there is nothing to detect.
// Single-threaded sessions also waste none of their time waiting on each other.
int lanes_for(const OcrOptions& options) {
  const int threads = options.backend.intra_op_threads;
  if (!options.overlap_stages || threads < 2 || options.backend.device != "cpu") return 1;
  return std::min(threads, kMaxLanes);
}

}  // namespace

OcrOptions OcrOptions::with_default_models() {
  const std::filesystem::path models = default_models_dir();
  OcrOptions options;
  options.detector = models / "ppocr-det";
  options.recognizer = models / "ppocr-rec";
  return options;
}

Ocr::Ocr(const OcrOptions& options) {
  const int lanes = lanes_for(options);
  BackendOptions backend = options.backend;
  if (lanes > 1) backend.intra_op_threads /= lanes;
  lanes_.reserve(static_cast<size_t>(lanes));
  for (int i = 0; i < lanes; ++i) lanes_.emplace_back(options, backend);
}

Ocr::~Ocr() = default;
Ocr::Ocr(Ocr&&) noexcept = default;
Ocr& Ocr::operator=(Ocr&&) noexcept = default;

bool Ocr::overlapped() const { return lanes_.size() > 1; }
Detector& Ocr::detector() { return lanes_.front().detector(); }
Recognizer& Ocr::recognizer() { return lanes_.front().recognizer(); }

std::vector<OcrResult> Ocr::run(const std::vector<cv::Mat>& images, StageTimes* times) {
  if (!overlapped() || images.empty()) return lanes_.front().run(images, times);
  // One job: the lanes detect the images side by side, then share their lines' batches.
  bool given = false;
  OcrJob result;
  run_overlapped(
      lanes_,
      [&](OcrJob& job) {
        if (given) return false;
        job.images = images;
        return given = true;
      },
      [&](OcrJob&& job) { result = std::move(job); });
  if (times) *times += result.times;
  if (result.error) std::rethrow_exception(result.error);
  return std::move(result.results);
}

void Ocr::run_each(const std::function<std::optional<cv::Mat>()>& next_image,
                   const std::function<void(OcrOutcome&&)>& done) {
  size_t index = 0;
  if (!overlapped()) {
    while (true) {
      OcrOutcome outcome;
      try {
        std::optional<cv::Mat> image = next_image();
        if (!image) return;
        outcome.result = std::move(lanes_.front().run({*image}, &outcome.times).front());
      } catch (...) {
        outcome.error = std::current_exception();
      }
      outcome.index = index++;
      done(std::move(outcome));
    }
  }
  run_overlapped(
      lanes_,
      [&](OcrJob& job) {
        try {
          std::optional<cv::Mat> image = next_image();
          if (!image) return false;
          job.images.push_back(std::move(*image));
        } catch (...) {
          job.error = std::current_exception();
        }
        return true;
      },
      [&](OcrJob&& job) {
        OcrOutcome outcome;
        outcome.index = index++;
        if (!job.error) outcome.result = std::move(job.results.front());
        outcome.error = job.error;
        outcome.times = job.times;
        done(std::move(outcome));
      });
}

}  // namespace ocrserve
