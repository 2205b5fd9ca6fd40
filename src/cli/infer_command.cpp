// `ocrserve infer`: run a detection, recognition or end-to-end OCR model on image files.
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>

#include "backend/session_cache.hpp"
#include "cli/commands.hpp"
#include "cli/pipelines.hpp"
#include "cli/visualize.hpp"
#include "core/image.hpp"
#include "core/result_json.hpp"
#include "ocrserve/error.hpp"
#include "ocrserve/ocr.hpp"

namespace ocrserve {
namespace {

namespace fs = std::filesystem;

struct InferOptions {
  std::string model;
  std::string rec;
  std::string cls;
  bool no_cls = false;
  std::vector<std::string> images;
  std::string json_out;
  std::string show;
  int threads = 1;
  size_t batch_size = 8;
  float min_text_score = 0.5f;
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
      : pipelines_(Pipelines::load({options.model, options.rec, options.cls, options.no_cls},
                                   BackendOptions{options.threads, true, default_session_cache_dir()}, options.batch_size, options.min_text_score)) {}

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
  if (first_error) throw *first_error;
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
      "Without --model, the default PP-OCRv4 packages (detector, recogniser, angle classifier) run end to end.");
  command->add_option("images", options->images, "Image files (JPEG, PNG, BMP, WebP, TIFF)")->required();
  command->add_option("-m,--model", options->model, "Model package directory (detection, recognition or angle)");
  command->add_option("-r,--rec", options->rec, "Recognition package: with a detection --model, run end-to-end OCR");
  command->add_option("-c,--cls", options->cls, "Angle-classifier package for end-to-end OCR (flips upside-down lines)");
  command->add_flag("--no-cls", options->no_cls, "Without --model: skip the default angle classifier");
  command->add_option("--json", options->json_out, "Also write the JSON to this file");
  command->add_option("--show", options->show,
                      "Write a picture of the result: a PNG file for one image, a directory for several");
  command->add_option("-t,--threads", options->threads, "Inference threads")->default_val(1)->check(CLI::Range(0, 256));
  command->add_option("-b,--batch-size", options->batch_size, "Text lines per recognition batch")
      ->default_val(8)->check(CLI::Range(1, 1024));
  command->add_option("--min-text-score", options->min_text_score,
                      "End-to-end OCR drops lines recognised with a lower score")
      ->default_val(0.5)->check(CLI::Range(0.0, 1.0));
  command->callback([options] { run_infer(*options); });
}

}  // namespace ocrserve
