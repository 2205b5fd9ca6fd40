#include "ocrserve/detector.hpp"

#include "ocrserve/error.hpp"
#include "pipeline/model.hpp"

namespace ocrserve {

namespace {

// The package with the caller's settings written into its pipeline: the Resize scale and the
// postprocessor's parameters. Error(bad_input) for a limit where the package has no Resize.
ModelPackage with_settings(ModelPackage package, const DetectionSettings& settings) {
  if (settings.limit_side) {
    if (*settings.limit_side < 32) throw Error(ErrorKind::bad_input, "detection size limit must be at least 32");
    bool resized = false;
    for (auto& transform : package.transforms) {
      if (transform.value("type", "") != "Resize") continue;
      transform.erase("size");
      transform["scale"] = {*settings.limit_side, *settings.limit_side};
      transform["keep_ratio"] = true;
      resized = true;
    }
    if (!resized) {
      throw Error(ErrorKind::bad_input, package.transforms_where + ": no Resize transform to apply the size limit to");
    }
  }
  const bool thresholds = settings.mask_thr || settings.min_text_score || settings.unclip_ratio;
  if (thresholds && package.codec != "DBHead" && package.codec != "DBPostprocessor") {
    throw Error(ErrorKind::bad_input, package.codec_where + ": the detection thresholds apply to DB postprocessors "
                                      "(DBHead, DBPostprocessor), not to " + package.codec);
  }
  if (!package.codec_params.is_object()) package.codec_params = Json::object();
  if (settings.mask_thr) package.codec_params["mask_thr"] = *settings.mask_thr;
  if (settings.min_text_score) package.codec_params["min_text_score"] = *settings.min_text_score;
  if (settings.unclip_ratio) package.codec_params["unclip_ratio"] = *settings.unclip_ratio;
  return package;
}

}  // namespace

Detector::Detector(const std::filesystem::path& package_dir, const BackendOptions& options,
                   const DetectionSettings& settings)
    : model_(std::make_unique<Model>(with_settings(ModelPackage::load(package_dir), settings), options)) {
  const ModelPackage& package = model_->package();
  codec_ = make_detection_codec(package.codec, package.codec_params, model_->codec_context());
}

Detector::~Detector() = default;
Detector::Detector(Detector&&) noexcept = default;

std::vector<DetectionResult> Detector::detect(const std::vector<cv::Mat>& images, StageTimes* times) {
  std::vector<DetectionResult> results;
  results.reserve(images.size());
  std::vector<Sample> samples;
  // Images differ in size: one network call per image avoids padding them to a common size.
  for (const auto& image : images) {
    const std::vector<Tensor> outputs = model_->infer({image}, samples, times);
    StageTimer timer(times ? &times->postprocess : nullptr);
    const Sample& sample = samples.front();
    const ImageGeometry geometry{sample.original_size.width, sample.original_size.height, sample.scale_x,
                                 sample.scale_y, sample.offset_x, sample.offset_y};
    results.push_back(codec_->decode(outputs, 0, geometry));
  }
  return results;
}

}  // namespace ocrserve
