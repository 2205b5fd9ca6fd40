#include "cli/pipelines.hpp"

#include "backend/session_cache.hpp"

namespace ocrserve {

void add_precision_option(CLI::App* command, Precision& precision, const std::string& help) {
  command->add_option("--precision", precision, help)
      ->transform(CLI::CheckedTransformer(std::map<std::string, Precision>{{"fp32", Precision::fp32},
                                                                            {"int8", Precision::int8}}))
      ->default_str("fp32");
}

PipelineSpec PackageChoice::spec() const {
  PipelineSpec spec;
  spec.model = model;
  spec.recognizer = rec;
  spec.classifier = cls;
  spec.default_classifier = angle_cls;
  spec.precision = precision;
  spec.detection = detection;
  return spec;
}

BackendOptions PipelineFlags::backend_options() const {
  BackendOptions options{threads, true, default_session_cache_dir()};
  options.device = device;
  return options;
}

PipelineSpec PipelineFlags::spec() const {
  PipelineSpec spec = packages.spec();
  spec.backend = backend_options();
  spec.batch_size = batch_size;
  spec.min_text_score = min_text_score;
  spec.overlap_stages = overlap;
  return spec;
}

void PipelineFlags::add_to(CLI::App* command, const std::string& model_help) {
  command->add_option("-m,--model", packages.model, model_help + " (a folder, or a default package's name)");
  command->add_option("-r,--rec", packages.rec, "Recognition package: with a detection --model, run end-to-end OCR");
  command->add_option("-c,--cls", packages.cls, "Angle-classifier package for end-to-end OCR (turns upside-down lines)");
  CLI::Option* use_cls = command->add_flag("--use-angle-cls", packages.angle_cls,
                    "Without --model: add the default angle classifier (off by default: on upright pages it "
                    "turns more lines wrongly than rightly)");
  command->add_flag("--no-cls", [](int64_t) {}, "Without --model: no angle classifier (the default; kept for old scripts)")
      ->excludes(use_cls);
  add_precision_option(command, packages.precision,
                       "The default packages to run where none is named: fp32, or int8 (ppocr-det-int8 and "
                       "ppocr-rec-int8: about twice as fast, within half a point of fp32's accuracy)");
  auto& detection = packages.detection;
  command->add_option("--det-limit-side", detection.limit_side,
                      "Detection: longest side of the network input, in pixels (default: the package's, 1280)")
      ->check(CLI::Range(32, 8192));
  command->add_option("--det-thresh", detection.mask_thr, "Detection: probability above which a pixel is text (default: the package's)")
      ->check(CLI::Range(0.0, 1.0));
  command->add_option("--det-box-thresh", detection.min_text_score,
                      "Detection: mean probability a region needs to be kept (default: the package's)")
      ->check(CLI::Range(0.0, 1.0));
  command->add_option("--det-unclip-ratio", detection.unclip_ratio, "Detection: how far regions are grown back out (default: the package's)")
      ->check(CLI::Range(0.0, 100.0));
  command->add_option("-t,--threads", threads, "Inference threads")->default_val(default_inference_threads())->check(CLI::Range(0, 256));
  command->add_option("-b,--batch-size", batch_size, "Text lines per recognition batch")->default_val(1)->check(CLI::Range(1, 1024));
  command->add_option("--min-text-score", min_text_score, "End-to-end OCR drops lines recognised with a lower score")
      ->default_val(0.5)->check(CLI::Range(0.0, 1.0));
  command->add_option("--device", device,
                      "Where the networks run: cpu, or cuda / cuda:N for TorchScript packages with a CUDA build of "
                      "libtorch (mmdeploy's device)")
      ->default_val("cpu");
  command->add_flag_callback("--no-overlap", [this] { overlap = false; },
                    "End-to-end OCR over several images: run detection and recognition one after the other, each "
                    "with all the threads, instead of detecting the next image while this one's lines are "
                    "recognised (same results; see docs/benchmarks.md)");
}

}  // namespace ocrserve
