// `ocrserve infer`: run a detection, recognition or end-to-end OCR model on image files.
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>

#include "cli/commands.hpp"
#include "cli/pipelines.hpp"
#include "cli/reported_error.hpp"
#include "cli/visualize.hpp"
#include "core/image.hpp"
#include "core/result_json.hpp"
#include "ocrserve/error.hpp"
#include "ocrserve/ocr.hpp"

namespace ocrserve {
namespace {

namespace fs = std::filesystem;

struct InferOptions {
  PipelineFlags pipeline;
  std::vector<std::string> images;
  std::string json_out;
  std::string show;
};

// What one image produced: the JSON result and a visualisation of it.
struct ImageOutput {
  Json json;
  cv::Mat picture;
};

// Runs whichever pipeline the packages describe.
class Runner {
 public:
  explicit Runner(const InferOptions& options)
      : pipelines_(Pipelines::load(options.pipeline)) {}

  ImageOutput run(const cv::Mat& image) {
    if (auto& ocr = pipelines_.ocr) {
      const OcrResult result = ocr->run({image}).front();
      return {ocr_json(result), draw_ocr(image, result)};
    }
    if (auto& detector = pipelines_.detector) {
      const DetectionResult result = detector->detect({image}).front();
      return {detection_json(result), draw_detections(image, result)};
    }
    if (auto& recognizer = pipelines_.recognizer) {
      const RecognizedText result = recognizer->recognize({image}).front();
      return {recognition_json(result), draw_recognition(image, result)};
    }
    const AngleResult result = pipelines_.classifier->classify({image}).front();
    return {Json{{"angle", result.angle}, {"score", result.score}}, image};
  }

 private:
  Pipelines pipelines_;
};

fs::path picture_path(const InferOptions& options, const std::string& image) {
  if (options.images.size() == 1) return options.show;
  return fs::path(options.show) / (fs::path(image).stem().string() + ".png");
}

void run_infer(const InferOptions& options) {
  if (!options.show.empty() && options.images.size() > 1) {
    std::error_code error;
    fs::create_directories(options.show, error);
    if (error) throw Error(ErrorKind::bad_input, options.show + ": cannot create directory: " + error.message());
  }
  Runner runner(options);
  Json outputs = Json::array();
  std::optional<Error> first_error;
  for (const auto& image_path : options.images) {
    try {
      const cv::Mat image = read_image(image_path);
      ImageOutput output = runner.run(image);
      if (!options.show.empty()) write_png(output.picture, picture_path(options, image_path));
      outputs.push_back({{"image", image_path}, {"result", std::move(output.json)}});
    } catch (const Error& e) {
      // One bad image does not stop the others; the exit code still reports it.
      std::cerr << "ocrserve: error: " << e.what() << "\n";
      outputs.push_back({{"image", image_path}, {"error", {{"type", to_string(e.kind())}, {"message", e.what()}}}});
      if (!first_error) first_error = e;
    }
  }
  // One image prints exactly what the server answers; several print a list naming each image.
  const Json printed = options.images.size() == 1 ? outputs[0].value("result", Json()) : outputs;
  if (!(options.images.size() == 1 && first_error)) std::cout << printed.dump(2) << "\n";
  if (!options.json_out.empty()) {
    std::ofstream out(options.json_out);
    out << printed.dump(2) << "\n";
    if (!out) throw Error(ErrorKind::bad_input, options.json_out + ": cannot write");
  }
  if (first_error) throw ReportedError(*first_error);
}

}  // namespace

void add_infer_command(CLI::App& app) {
  auto options = std::make_shared<InferOptions>();
  CLI::App* command = app.add_subcommand("infer", "Run detection, recognition or end-to-end OCR on image files");
  command->footer(
      "The package's postprocessor decides what runs: a detection package prints "
      "{\"boundary_result\": [[x1,y1,...,xn,yn,score],...]}, a recognition package "
      "{\"text\": ..., \"score\": ...}; a detection package with --rec runs end-to-end OCR and prints "
      "[{\"polygon\": [...], \"det_score\": ..., \"text\": ..., \"score\": ...}, ...]. "
      "Without --model, the default PP-OCRv4 packages (detector and recogniser; --use-angle-cls adds the angle "
      "classifier) run end to end.");
  command->add_option("images", options->images, "Image files (JPEG, PNG, BMP, WebP, TIFF)")->required();
  options->pipeline.add_to(command, "Model package directory (detection, recognition or angle)");
  command->add_option("--json", options->json_out, "Also write the JSON to this file");
  command->add_option("--show", options->show,
                      "Write a picture of the result: a PNG file for one image, a directory for several");
  command->callback([options] { run_infer(*options); });
}

}  // namespace ocrserve
