// `ocrserve convert`: mmdeploy's tools/deploy.py for MMOCR models. The conversion itself is
// Python (tools/convert, PyTorch's exporter); this command finds an interpreter that has
// PyTorch, runs the tool, and with --show also runs the converted package in our runtime.
#include <iostream>

#include "cli/commands.hpp"
#include "cli/converter_tool.hpp"
#include "cli/quantized_package.hpp"
#include "cli/pipelines.hpp"
#include "cli/visualize.hpp"
#include "core/image.hpp"
#include "model/model_package.hpp"
#include "ocrserve/error.hpp"

namespace ocrserve {
namespace {

namespace fs = std::filesystem;

struct ConvertOptions {
  std::string deploy_cfg, model_cfg, checkpoint, image;
  std::string work_dir = ".";
  std::string device = "cpu";
  bool dump_info = false, show = false, list = false;
  Int8Options int8;  // for an -int8 deploy config
};

// Whether the deploy config asks for int8 ({task}_{backend}-int8_...): the converter exports fp32,
// and the package is quantised here, where our ONNX Runtime calibrates it.
bool wants_int8(const std::string& deploy_cfg) {
  return fs::path(deploy_cfg).filename().string().find("-int8_") != std::string::npos;
}

Error missing_dependencies(const std::string& python) {
  return Error(ErrorKind::not_found,
              "ocrserve convert needs Python 3 with PyTorch, ONNX and OpenCV (Debian: apt-get install python3-torch "
              "python3-onnx python3-opencv; scripts/install_deps.sh installs them) and the converter in " +
                  converter_dir().string() + "; tried " + python +
                  " (set OCRSERVE_PYTHON to another interpreter, OCRSERVE_CONVERT_DIR to the converter)");
}

// The converted package run by our runtime, drawn as mmdeploy's output_{backend}.jpg.
void show_runtime_result(const ConvertOptions& options) {
  const fs::path package = options.work_dir;
  if (!fs::exists(package / "deploy.json") || !fs::exists(package / "pipeline.json")) {
    std::cerr << "ocrserve convert: --show: no package in " << package.string()
              << " (add --dump-info) — only output_pytorch.jpg was written\n";
    return;
  }
  const std::string backend = ModelPackage::load(package).backend;  // onnxruntime or torchscript
  PackageChoice choice;
  choice.model = package.string();
  Pipeline pipeline(choice.spec());
  const cv::Mat image = read_image(options.image);
  cv::Mat picture;
  if (Detector* detector = pipeline.detector()) picture = draw_detections(image, detector->detect({image}).front());
  if (Recognizer* recognizer = pipeline.recognizer()) picture = draw_recognition(image, recognizer->recognize({image}).front());
  if (picture.empty()) return;
  write_png(picture, package / ("output_" + backend + ".jpg"));
}

void run_convert(const ConvertOptions& options) {
  const std::string python = python_interpreter();
  std::vector<std::string> args = {python, "-m", "ocrserve_convert"};
  if (options.list) {
    args.push_back("--list");
  } else {
    args.insert(args.end(), {options.deploy_cfg, options.model_cfg, options.checkpoint, options.image,
                             "--work-dir", options.work_dir, "--device", options.device});
    if (options.dump_info) args.push_back("--dump-info");
    if (options.show) args.push_back("--show");
  }
  check_converter_status(run_converter(args, false), "conversion refused its input", "conversion failed",
                         missing_dependencies(python));
  if (!options.list && wants_int8(options.deploy_cfg)) {
    if (!options.dump_info) {
      throw Error(ErrorKind::bad_input, "an int8 deploy config needs --dump-info: calibration runs the package's "
                                        "preprocessing");
    }
    Int8Options int8 = options.int8;
    if (int8.images.empty()) int8.images = {options.image};
    quantize_package(options.work_dir, int8, std::cerr);  // standard output is the JSON summary
  }
  if (options.show) show_runtime_result(options);
}

}  // namespace

void add_convert_command(CLI::App& app) {
  auto options = std::make_shared<ConvertOptions>();
  CLI::App* command = app.add_subcommand("convert", "Convert an MMOCR PyTorch model into a model package (as mmdeploy's deploy.py)");
  command->footer(
      "Writes end2end.onnx (or end2end.pt for a torchscript deploy config) to --work-dir; with --dump-info also "
      "deploy.json, pipeline.json, detail.json (a package `ocrserve infer/start` runs). CHECKPOINT is an MMOCR 1.x "
      ".pth or random[:SEED]. Deploy configs are named {task}_{backend}[-{precision}]_{static|dynamic}[_{shape}], "
      "e.g. text-detection_onnxruntime_dynamic. `ocrserve convert --list` lists the model configs.");
  command->add_option("deploy_cfg", options->deploy_cfg, "Deploy config name or mmdeploy config file");
  command->add_option("model_cfg", options->model_cfg, "MMOCR config name or file, e.g. dbnet_resnet18_fpnc_1200e_icdar2015");
  command->add_option("checkpoint", options->checkpoint, "MMOCR checkpoint (.pth) or random[:SEED]");
  command->add_option("img", options->image, "Image to trace the network with (and to --show)");
  command->add_option("--work-dir", options->work_dir, "Output directory")->capture_default_str();
  command->add_option("--device", options->device,
                      "Only cpu: networks are exported on the CPU (a TorchScript package runs on a GPU with "
                      "infer/eval/bench --device cuda)")
      ->capture_default_str();
  command->add_flag("--dump-info", options->dump_info, "Write the SDK files (deploy.json, pipeline.json, detail.json)");
  command->add_flag("--show", options->show,
                    "Write output_pytorch.jpg (PyTorch) and output_onnxruntime.jpg or output_torchscript.jpg (the "
                    "package in ocrserve) for IMG");
  command->add_flag("--list", options->list, "List the MMOCR configs the converter knows");
  command->add_option("--calibrate", options->int8.images,
                      "An -int8 deploy config: images to calibrate on (default: IMG alone; typical images calibrate "
                      "better)");
  command->add_option("--float-layers", options->int8.float_layers,
                      "An -int8 deploy config: the first N quantisable layers stay float (default: none for a "
                      "detector, 8 otherwise)");
  command->add_option("--clipped-layers", options->int8.clipped_layers,
                      "An -int8 deploy config: the first N quantised layers' ranges leave out the 0.1% tails "
                      "(default: 8 for a detector, none otherwise)");
  command->callback([options] {
    if (!options->list && (options->deploy_cfg.empty() || options->model_cfg.empty() || options->checkpoint.empty() ||
                           options->image.empty())) {
      throw CLI::ValidationError("convert", "DEPLOY_CFG, MODEL_CFG, CHECKPOINT and IMG are required (or --list)");
    }
    run_convert(*options);
  });
}

}  // namespace ocrserve
