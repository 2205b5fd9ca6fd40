#include "cli/pipelines.hpp"

#include "cli/commands.hpp"
#include "codec/codec.hpp"
#include "model/model_package.hpp"
#include "ocrserve/error.hpp"

namespace ocrserve {

Pipelines Pipelines::load(const PackageChoice& choice, const BackendOptions& backend, size_t batch_size,
                          float min_text_score) {
  namespace fs = std::filesystem;
  const fs::path model = choice.model.empty() ? default_models_dir() / "ppocr-det" : fs::path(choice.model);
  const ModelPackage package = ModelPackage::load(model);
  const CodecTask task = codec_task(package.codec, package.codec_where);
  Pipelines pipelines;
  if (task == CodecTask::detection && (!choice.rec.empty() || choice.model.empty())) {
    OcrOptions ocr;
    ocr.detector = model;
    ocr.recognizer = choice.rec.empty() ? default_models_dir() / "ppocr-rec" : fs::path(choice.rec);
    if (!choice.cls.empty()) {
      ocr.classifier = choice.cls;
    } else if (choice.model.empty() && !choice.no_cls) {
      ocr.classifier = default_models_dir() / "ppocr-cls";
    }
    ocr.backend = backend;
    ocr.batch_size = batch_size;
    ocr.min_text_score = min_text_score;
    pipelines.ocr.emplace(ocr);
  } else if (!choice.rec.empty()) {
    throw Error(ErrorKind::bad_input, "--rec needs a detection model in --model; " + model.string() +
                                          " is not one (postprocessor " + package.codec + ")");
  } else if (task == CodecTask::detection) {
    pipelines.detector.emplace(model, backend);
  } else if (task == CodecTask::recognition) {
    pipelines.recognizer.emplace(model, backend, batch_size);
  } else {
    pipelines.classifier.emplace(model, backend, batch_size);
  }
  return pipelines;
}

const char* Pipelines::name() const {
  return ocr ? "ocr" : detector ? "detection" : recognizer ? "recognition" : "angle";
}

}  // namespace ocrserve
