// `ocrserve package`: make an mmdeploy SDK model directory from an ONNX file.
#include <fstream>
#include <iostream>
#include <sstream>

#include "backend/backend.hpp"
#include "cli/commands.hpp"
#include "cli/quantized_package.hpp"
#include "core/scratch_dir.hpp"
#include "model/package_writer.hpp"
#include "ocrserve/error.hpp"
#include "pipeline/model.hpp"

namespace ocrserve {
namespace {

namespace fs = std::filesystem;

struct PackageOptions {
  std::string onnx;
  std::string preset;
  std::string task;
  std::string transforms;
  std::string component;
  std::string params;
  std::string dict;
  std::vector<std::string> files;
  std::string name;
  std::string output;
  bool force = false;
  std::string quantize;  // empty (float) or "int8"
  Int8Options int8;
};

// A JSON argument given inline or as @file.
Json json_argument(const std::string& value, const std::string& option) {
  std::string text = value;
  if (!value.empty() && value[0] == '@') {
    std::ifstream in(value.substr(1));
    if (!in) throw Error(ErrorKind::not_found, option + ": " + value.substr(1) + ": file not found");
    std::stringstream buffer;
    buffer << in.rdbuf();
    text = buffer.str();
  }
  return parse_json(text, option);
}

PackageSpec spec_from(const PackageOptions& options) {
  PackageSpec spec;
  if (!options.preset.empty()) {
    spec = preset_spec(options.preset);
  } else {
    if (options.task.empty() || options.transforms.empty() || options.component.empty()) {
      throw Error(ErrorKind::bad_input, "without --preset, --task, --transforms and --component are required");
    }
    static const std::map<std::string, std::pair<std::string, std::string>> tasks = {
        {"det", {"TextDetector", "TextDetection"}},
        {"rec", {"TextRecognizer", "TextRecognition"}},
        {"cls", {"TextAngleClassifier", "TextAngleClassification"}}};
    const auto& [task, codebase_task] = tasks.at(options.task);
    spec.task = task;
    spec.codebase_task = codebase_task;
    spec.name = fs::path(options.onnx).stem().string();
    spec.source = fs::path(options.onnx).filename().string();
  }
  if (!options.transforms.empty()) spec.transforms = json_argument(options.transforms, "--transforms");
  if (!spec.transforms.is_array()) throw Error(ErrorKind::bad_input, "--transforms: must be a JSON list");
  if (!options.component.empty()) spec.component = options.component;
  if (!options.params.empty()) {
    const Json params = json_argument(options.params, "--params");
    if (!params.is_object()) throw Error(ErrorKind::bad_input, "--params: must be a JSON object");
    spec.params.update(params);
  }
  if (!options.dict.empty()) {
    spec.files.push_back(options.dict);
    spec.params["dict_file"] = fs::path(options.dict).filename().string();
  } else if (spec.params.contains("dict_file")) {
    throw Error(ErrorKind::bad_input, "this package needs a dictionary: pass --dict FILE (params name \"" +
                                          spec.params["dict_file"].get<std::string>() + "\")");
  }
  for (const auto& file : options.files) spec.files.push_back(file);
  if (!options.name.empty()) spec.name = options.name;
  return spec;
}

void run_package(const PackageOptions& options) {
  const PackageSpec spec = spec_from(options);
  // Loading the network first refuses a corrupt ONNX file before anything is written.
  const auto backend = make_backend("onnxruntime", options.onnx, BackendOptions{});
  const NetworkInfo info{backend->input_names(), backend->output_names()};
  if (!options.quantize.empty() && options.int8.images.empty() == options.int8.ranges.empty()) {
    throw Error(ErrorKind::bad_input,
                "--quantize int8 needs either --calibrate IMAGES (typical images) or --ranges FILE (saved ranges)");
  }
  if (options.quantize.empty()) {
    write_package(spec, options.onnx, info, options.output, options.force);
  } else {
    // Quantised in a scratch folder, so that a failure leaves the output folder as it was.
    const ScratchDir scratch("ocrserve-package");
    write_package(spec, options.onnx, info, scratch.path() / "fp32", false);
    quantize_package(scratch.path() / "fp32", options.int8, std::cout);
    write_package(spec, scratch.path() / "fp32/end2end.onnx", info, options.output, options.force);
    fs::copy_file(scratch.path() / "fp32/deploy.json", fs::path(options.output) / "deploy.json",
                  fs::copy_options::overwrite_existing);  // which says INT8
  }
  // A package is only written if it loads: transforms, postprocessor and dictionary included.
  Model check(options.output, BackendOptions{});
  std::cout << "wrote " << options.output << " (" << spec.task << ", " << spec.component << ")\n";
}

}  // namespace

void add_package_command(CLI::App& app) {
  auto options = std::make_shared<PackageOptions>();
  CLI::App* command = app.add_subcommand("package", "Make an mmdeploy SDK model directory from an ONNX network");
  command->footer(
      "Writes an mmdeploy SDK model directory (deploy.json, pipeline.json, detail.json, end2end.onnx) for an "
      "ONNX network, from a preset or from explicit transforms and postprocessor parameters.");
  command->add_option("--onnx", options->onnx, "The ONNX network")->required()->check(CLI::ExistingFile);
  std::string presets;
  for (const auto& name : preset_names()) presets += (presets.empty() ? "" : ", ") + name;
  command->add_option("--preset", options->preset, "Built-in settings: " + presets);
  command->add_option("--task", options->task, "Without --preset: det, rec or cls")
      ->check(CLI::IsMember({"det", "rec", "cls"}));
  command->add_option("--transforms", options->transforms,
                      "Preprocessing transforms as a JSON list, inline or @file (replaces the preset's)");
  command->add_option("--component", options->component, "Postprocessor type name, e.g. DBHead, CTCConvertor");
  command->add_option("--params", options->params,
                      "Postprocessor parameters as a JSON object, inline or @file (merged over the preset's)");
  command->add_option("--dict", options->dict, "Dictionary file for recognition; copied into the package")
      ->check(CLI::ExistingFile);
  command->add_option("--file", options->files, "Another file to copy into the package")->check(CLI::ExistingFile);
  command->add_option("--name", options->name, "Model name in deploy.json (default: the preset's)");
  command->add_option("-o,--output", options->output, "Package directory to write")->required();
  command->add_flag("-f,--force", options->force, "Overwrite a non-empty output directory");
  command->add_option("--quantize", options->quantize,
                      "int8: static int8 quantisation (int8 weights per channel, uint8 activations calibrated on "
                      "--calibrate); needs python3-onnx")
      ->check(CLI::IsMember({"int8"}));
  command->add_option("--calibrate", options->int8.images,
                      "With --quantize: images like those the model will read (files, folders or patterns); a "
                      "recogniser or angle classifier is calibrated on the lines the default detector finds in them");
  command->add_option("--save-ranges", options->int8.save_ranges, "With --calibrate: keep the calibrated ranges (JSON)");
  command->add_option("--ranges", options->int8.ranges, "With --quantize: ranges saved by --save-ranges, instead of calibrating")
      ->check(CLI::ExistingFile);
  command->add_option("--float-layers", options->int8.float_layers,
                      "With --quantize: the first N quantisable layers stay float (default: none for a detector, 8 "
                      "otherwise)")
      ->check(CLI::Range(0, 10000));
  command->add_option("--clipped-layers", options->int8.clipped_layers,
                      "With --quantize: the first N quantised layers' ranges leave out the 0.1% tails (default: 8 "
                      "for a detector, none otherwise)")
      ->check(CLI::Range(0, 10000));
  command->callback([options] { run_package(*options); });
}

}  // namespace ocrserve
