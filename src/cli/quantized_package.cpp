#include "cli/quantized_package.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <sstream>

#include "backend/backend.hpp"
#include "cli/converter_tool.hpp"
#include "cli/input_list.hpp"
#include "codec/codec.hpp"
#include "core/json_file.hpp"
#include "core/scratch_dir.hpp"
#include "model/model_package.hpp"
#include "ocrserve/default_models.hpp"
#include "ocrserve/detector.hpp"
#include "ocrserve/error.hpp"
#include "pipeline/model.hpp"
#include "transform/crop.hpp"

namespace ocrserve {
namespace {

namespace fs = std::filesystem;

BackendOptions all_cores() {
  BackendOptions options;
  options.intra_op_threads = default_inference_threads();
  return options;
}

// Runs a step of the converter's quantiser; what it prints to standard output.
std::string run_quantizer(const std::vector<std::string>& step, const fs::path& scratch) {
  const fs::path printed = scratch / "printed.txt";
  std::vector<std::string> args = {python_interpreter(), "-m", "ocrserve_convert.quantize"};
  args.insert(args.end(), step.begin(), step.end());
  check_converter_status(run_converter(args, false, printed), "int8 quantisation refused the network",
                         "int8 quantisation failed",
                         Error(ErrorKind::not_found, "--quantize needs Python 3 with numpy and ONNX (Debian: apt-get "
                                                     "install python3-onnx; scripts/install_deps.sh installs it) and "
                                                     "the converter in " + converter_dir().string()));
  std::ifstream in(printed);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// At most `limit` of `items`, the first and the others spread evenly.
template <class T>
std::vector<T> spread(std::vector<T> items, size_t limit) {
  if (items.size() <= limit) return items;
  std::vector<T> kept;
  for (size_t k = 0; k < limit; ++k) kept.push_back(std::move(items[k * items.size() / limit]));
  return kept;
}

std::vector<cv::Mat> calibration_images(const Int8Options& options, size_t limit) {
  std::vector<InputFile> files;
  for (auto& file : expand_inputs(options.images)) {
    if (file.error) throw *file.error;
    files.push_back(std::move(file));
  }
  std::vector<cv::Mat> images;
  for (const auto& file : spread(std::move(files), limit)) {
    try {
      InputDocument document(read_input_bytes(file), file.name, /*pdf_dpi=*/150);
      images.push_back(document.read(0, file.name));
    } catch (const Error& e) {
      std::cerr << "calibration: skipped " << e.what() << "\n";  // one bad file among many is no reason to stop
    }
  }
  if (images.empty()) throw Error(ErrorKind::bad_input, "--calibrate: no image could be read");
  return images;
}

// What the network is calibrated on: the images themselves for a detector; for a recogniser or
// an angle classifier, the text lines the default detector cuts out of them.
std::vector<cv::Mat> network_inputs(bool detector_package, const Int8Options& options) {
  if (detector_package) return calibration_images(options, options.max_images);
  Detector detector(default_models_dir() / "ppocr-det", all_cores());
  std::vector<cv::Mat> crops;
  for (const auto& image : calibration_images(options, std::numeric_limits<size_t>::max())) {
    const DetectionResult regions = detector.detect({image}).front();
    for (const auto& region : regions) crops.push_back(crop_text_region(image, region.polygon));
  }
  if (crops.empty()) throw Error(ErrorKind::bad_input, "--calibrate: the default detector finds no text in the images");
  return spread(std::move(crops), options.max_crops);
}

// For every output of `observed` but the network's own, four means over `inputs`: of its minimum,
// its maximum, and the 0.1% and 99.9% quantiles of its values (the tails the quantiser may clip).
// Measured on the dev sets, the means read better than the overall extremes, which spend uint8
// levels on rare outliers.
Json activation_ranges(Model& observed, const std::vector<cv::Mat>& inputs, const std::vector<std::string>& own) {
  constexpr double kTail = 0.001;
  std::map<std::string, std::array<double, 4>> sums;
  std::vector<Sample> samples;
  std::vector<float> values;
  for (const auto& input : inputs) {
    for (const Tensor& tensor : observed.run(observed.preprocess({input}, samples))) {
      if (tensor.data.empty() || std::find(own.begin(), own.end(), tensor.name) != own.end()) continue;
      values = tensor.data;
      const auto [low, high] = std::minmax_element(values.begin(), values.end());
      auto& sum = sums[tensor.name];
      sum[0] += *low;
      sum[1] += *high;
      const size_t tail = static_cast<size_t>(kTail * static_cast<double>(values.size() - 1));
      std::nth_element(values.begin(), values.begin() + tail, values.end());
      sum[2] += values[tail];
      std::nth_element(values.begin(), values.end() - 1 - tail, values.end());
      sum[3] += values[values.size() - 1 - tail];
    }
  }
  Json ranges = Json::object();
  for (const auto& [name, sum] : sums) {
    ranges[name] = Json::array();
    for (double value : sum) ranges[name].push_back(value / inputs.size());
  }
  return ranges;
}

fs::path calibrate(const ModelPackage& package, bool detector, const fs::path& observed, const Int8Options& options,
                   const fs::path& scratch, std::ostream& log) {
  if (!options.ranges.empty()) return options.ranges;
  const std::vector<cv::Mat> inputs = network_inputs(detector, options);
  ModelPackage observing = package;
  observing.network = observed;
  Model model(observing, all_cores());
  log << "calibrating on " << inputs.size() << (detector ? " image" : " text line") << (inputs.size() == 1 ? "" : "s")
      << std::endl;
  const std::vector<std::string> own = make_backend("onnxruntime", package.network, BackendOptions{})->output_names();
  const fs::path ranges = options.save_ranges.empty() ? scratch / "ranges.json" : options.save_ranges;
  std::ofstream out(ranges);
  out << activation_ranges(model, inputs, own).dump(1) << "\n";
  if (!out.flush()) throw Error(ErrorKind::internal, ranges.string() + ": cannot write the ranges");
  return ranges;
}

}  // namespace

void quantize_package(const fs::path& package_dir, const Int8Options& options, std::ostream& log) {
  ModelPackage package = ModelPackage::load(package_dir);
  if (package.backend != "onnxruntime") {
    throw Error(ErrorKind::unsupported, "--quantize int8: only ONNX Runtime packages can be quantised (this one is " +
                                            package.backend + ")");
  }
  const CodecTask task = codec_task(package.codec, package.codec_where);
  const bool detector = task == CodecTask::detection;
  const ScratchDir scratch("ocrserve-quantize");
  const fs::path prepared = scratch.path() / "prepared.onnx", observed = scratch.path() / "observed.onnx";
  run_quantizer({"prepare", package.network.string(), prepared.string(), observed.string()}, scratch.path());
  const fs::path ranges = calibrate(package, detector, observed, options, scratch.path(), log);

  const fs::path quantized = scratch.path() / "int8.onnx";
  // The defaults that read best on the dev sets (quantize.py's Choice says why).
  const int float_layers = options.float_layers.value_or(detector ? 0 : 8);
  const int clipped_layers = options.clipped_layers.value_or(detector ? 8 : 0);
  std::vector<std::string> qdq = {"qdq", prepared.string(), ranges.string(), quantized.string(),
                                  "--float-first", std::to_string(float_layers),
                                  "--clip-first", std::to_string(clipped_layers)};
  if (task == CodecTask::recognition) qdq.insert(qdq.end(), {"--float-after-last-pool", "--dynamic-matmuls"});
  run_quantizer(qdq, scratch.path());

  const fs::path optimized = scratch.path() / "optimized.onnx";
  write_onnxruntime_optimized_graph(quantized, optimized);
  std::istringstream share(run_quantizer({"int8-share", optimized.string()}, scratch.path()));
  int int8 = 0, all = 0;
  share >> int8 >> all;
  fs::copy_file(quantized, package.network, fs::copy_options::overwrite_existing);
  Json deploy = package.deploy;
  deploy["models"][0]["precision"] = "INT8";  // mmdeploy's field, FP32 as written
  write_json_file(package_dir / "deploy.json", deploy);
  log << "int8: ONNX Runtime runs " << int8 << " of the network's " << all
      << " convolutions and matrix products in int8 kernels\n";
}

}  // namespace ocrserve
