#include "ocrserve/pipeline.hpp"

#include "codec/codec.hpp"
#include "model/model_package.hpp"
#include "ocrserve/default_models.hpp"
#include "ocrserve/error.hpp"

namespace ocrserve {
namespace fs = std::filesystem;
namespace {

fs::path model_of(const PipelineSpec& spec) {
  return spec.model.empty() ? default_package("ppocr-det", spec.precision) : package_path(spec.model);
}

std::variant<Detector, Recognizer, Classifier, Ocr> open(const PipelineSpec& spec) {
  const fs::path model = model_of(spec);
  switch (pipeline_kind(spec)) {
    case PipelineKind::detection: return Detector(model, spec.backend, spec.detection);
    case PipelineKind::recognition: return Recognizer(model, spec.backend, spec.batch_size);
    case PipelineKind::angle: return Classifier(model, spec.backend, spec.batch_size);
    case PipelineKind::ocr: break;
  }
  OcrOptions ocr;
  ocr.detector = model;
  ocr.recognizer = spec.recognizer.empty() ? default_package("ppocr-rec", spec.precision) : package_path(spec.recognizer);
  ocr.classifier = package_path(spec.classifier);
  if (spec.classifier.empty() && spec.model.empty() && spec.default_classifier) {
    ocr.classifier = default_package("ppocr-cls", spec.precision);
  }
  ocr.backend = spec.backend;
  ocr.batch_size = spec.batch_size;
  ocr.min_text_score = spec.min_text_score;
  ocr.detection = spec.detection;
  ocr.overlap_stages = spec.overlap_stages;
  return Ocr(ocr);
}

template <typename Result>
std::vector<PipelineResult> as_pipeline_results(std::vector<Result>&& results) {
  return std::vector<PipelineResult>(std::make_move_iterator(results.begin()), std::make_move_iterator(results.end()));
}

}  // namespace

const char* to_string(PipelineKind kind) {
  switch (kind) {
    case PipelineKind::detection: return "detection";
    case PipelineKind::recognition: return "recognition";
    case PipelineKind::angle: return "angle";
    case PipelineKind::ocr: return "ocr";
  }
  return "detection";
}

PipelineKind pipeline_kind(const PipelineSpec& spec) {
  const fs::path model = model_of(spec);
  const ModelPackage package = ModelPackage::load(model);
  const CodecTask task = codec_task(package.codec, package.codec_where);
  const auto not_a_detector = [&](const std::string& what) {
    return Error(ErrorKind::bad_input, what + " needs a detection model; " + model.string() +
                                           " is not one (postprocessor " + package.codec + ")");
  };
  if (task == CodecTask::detection) {
    return spec.recognizer.empty() && !spec.model.empty() ? PipelineKind::detection : PipelineKind::ocr;
  }
  if (!spec.recognizer.empty()) throw not_a_detector("a recognition model");
  if (!spec.detection.empty()) throw not_a_detector("detection settings");
  return task == CodecTask::recognition ? PipelineKind::recognition : PipelineKind::angle;
}

Pipeline::Pipeline(const PipelineSpec& spec) : pipeline_(open(spec)) {}

PipelineKind Pipeline::kind() const {
  switch (pipeline_.index()) {
    case 0: return PipelineKind::detection;
    case 1: return PipelineKind::recognition;
    case 2: return PipelineKind::angle;
    default: return PipelineKind::ocr;
  }
}

std::vector<PipelineResult> Pipeline::run(const std::vector<cv::Mat>& images) {
  if (auto* detector = this->detector()) return as_pipeline_results(detector->detect(images));
  if (auto* recognizer = this->recognizer()) return as_pipeline_results(recognizer->recognize(images));
  if (auto* classifier = this->classifier()) return as_pipeline_results(classifier->classify(images));
  return as_pipeline_results(ocr()->run(images));
}

}  // namespace ocrserve
