#pragma once
// Text recognition with a model package (CRNN/CTC, attention, …): cropped text lines in, text out.
#include <filesystem>
#include <memory>
#include <vector>

#include <opencv2/core.hpp>

#include "ocrserve/options.hpp"
#include "ocrserve/results.hpp"
#include "ocrserve/stage_times.hpp"

namespace ocrserve {

class Model;
class RecognitionCodec;

class Recognizer {
 public:
  // With options.intra_op_threads = T > 1, T single-threaded copies of the network (at most 8)
  // run batches side by side: faster than one T-threaded copy for these small networks.
  explicit Recognizer(const std::filesystem::path& package_dir, const BackendOptions& options = {},
                      size_t batch_size = 1);
  ~Recognizer();
  Recognizer(Recognizer&&) noexcept;

  // One result per crop, in the order given. Crops are batched by similar width.
  std::vector<RecognizedText> recognize(const std::vector<cv::Mat>& crops, StageTimes* times = nullptr);
  // One result per region of `image` (BGR, 8-bit), in the order given: each polygon is cut out
  // upright as end-to-end OCR cuts it (mmdeploy's apply_bbox).
  std::vector<RecognizedText> recognize(const cv::Mat& image, const std::vector<Polygon>& regions,
                                        StageTimes* times = nullptr);
  const Model& model() const { return *models_.front(); }

 private:
  std::vector<std::unique_ptr<Model>> models_;  // one per thread (see options.intra_op_threads)
  std::unique_ptr<RecognitionCodec> codec_;
  size_t batch_size_;
};

}  // namespace ocrserve
