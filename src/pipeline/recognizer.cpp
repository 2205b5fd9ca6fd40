#include "ocrserve/recognizer.hpp"

#include "pipeline/model.hpp"
#include "pipeline/width_batches.hpp"
#include "transform/crop.hpp"

namespace ocrserve {

Recognizer::Recognizer(const std::filesystem::path& package_dir, const BackendOptions& options, size_t batch_size)
    : models_(models_for_threads(package_dir, options)), batch_size_(std::max<size_t>(batch_size, 1)) {
  const ModelPackage& package = models_.front()->package();
  codec_ = make_recognition_codec(package.codec, package.codec_params, models_.front()->codec_context());
}

Recognizer::~Recognizer() = default;
Recognizer::Recognizer(Recognizer&&) noexcept = default;

std::vector<RecognizedText> Recognizer::recognize(const std::vector<cv::Mat>& crops, StageTimes* times) {
  return run_in_width_batches(models_, *codec_, crops, batch_size_, times);
}

std::vector<RecognizedText> Recognizer::recognize(const cv::Mat& image, const std::vector<Polygon>& regions,
                                                  StageTimes* times) {
  std::vector<cv::Mat> crops;
  {
    StageTimer timer(times ? &times->preprocess : nullptr);
    for (const Polygon& region : regions) crops.push_back(crop_text_region(image, region));
  }
  return recognize(crops, times);
}

}  // namespace ocrserve
