#pragma once
// End-to-end OCR: detect text regions, crop them upright, optionally fix upside-down lines,
// recognise them in batches, and return the lines in reading order.
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include <opencv2/core.hpp>

#include "ocrserve/classifier.hpp"
#include "ocrserve/detector.hpp"
#include "ocrserve/recognizer.hpp"

namespace ocrserve {

struct OcrOptions {
  std::filesystem::path detector;
  std::filesystem::path recognizer;
  std::filesystem::path classifier;  // empty: no angle classification
  BackendOptions backend;
  size_t batch_size = 1;             // crops per recognition batch (more: faster, but lines are padded to the widest)
  float min_text_score = 0.5f;       // lines recognised with a lower score are dropped (PaddleOCR's drop_score)
  DetectionSettings detection;       // overrides of the detector package's settings
  // On the CPU with backend.intra_op_threads = T >= 2, split the threads into T lanes (at most
  // 8), each with its own single-threaded copy of every network, that take whichever work is
  // ready: the next batch of lines to recognise, else the next image to detect. Over several
  // images the stages then overlap (image N+1 is detected while image N's lines are recognised)
  // and no core waits for another's tail. Results are the same either way. false: one detector
  // using all T threads, then T copies of the recogniser, one stage after the other.
  bool overlap_stages = true;

  // The default packages of default_models_dir(): ppocr-det and ppocr-rec, no angle classifier.
  static OcrOptions with_default_models();
};

// What Ocr::run_each hands back for one image.
struct OcrOutcome {
  size_t index = 0;          // the image's place in the stream: 0 for the first one read
  OcrResult result;
  std::exception_ptr error;  // why reading or running this image failed (result is then empty)
  StageTimes times;          // work done on this image, summed over the threads that did it
};

class OcrLane;

class Ocr {
 public:
  explicit Ocr(const OcrOptions& options);
  ~Ocr();
  Ocr(Ocr&&) noexcept;
  Ocr& operator=(Ocr&&) noexcept;

  // One result per image. The lines of all the images are recognised together, so that small
  // images still fill batches. Not thread-safe: one Ocr per thread.
  std::vector<OcrResult> run(const std::vector<cv::Mat>& images, StageTimes* times = nullptr);

  // Runs a stream of images: `next_image` gives the next one (std::nullopt: no more; an
  // exception: that image could not be read, and its outcome carries the exception), and `done`
  // gets each outcome in the order the images were read. Each image's lines are batched on
  // their own, so an image reads the same as when run alone. With overlapped stages a few images
  // are in flight at once; both callbacks are called on this thread, one at a time. An
  // exception from `done` stops the run and is rethrown.
  void run_each(const std::function<std::optional<cv::Mat>()>& next_image,
                const std::function<void(OcrOutcome&&)>& done);

  // Whether the stages overlap (OcrOptions::overlap_stages with at least 2 threads).
  bool overlapped() const;

  // The first lane's stages (with overlapped stages, each lane has its own).
  Detector& detector();
  Recognizer& recognizer();

 private:
  std::vector<OcrLane> lanes_;
};

}  // namespace ocrserve
