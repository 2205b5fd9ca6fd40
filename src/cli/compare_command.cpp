// `ocrserve compare`: MMOCR's test_torchserve.py — run an image locally and through a running
// server, say whether the results agree, and draw both side by side.
#include <cmath>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/visualize.hpp"
#include "core/image.hpp"
#include "frontend/results/result_json.hpp"
#include "client/http_client.hpp"
#include "ocrserve/pipeline.hpp"

namespace ocrserve {
namespace {

// Results agree when they have the same structure and text, coordinates within this many
// pixels and scores within this much: the server runs the same code, so differences beyond
// float noise mean different models or settings.
constexpr double kPixelTolerance = 1.0;
constexpr double kScoreTolerance = 1e-3;

struct CompareOptions {
  std::string image, model_name, model, rec, cls, inference_addr = "http://127.0.0.1:8080", show;
};

// The first difference between two JSON results, or "" when they agree within the tolerances.
std::string difference(const Json& local, const Json& served, const std::string& path = "") {
  if (local.is_number() && served.is_number()) {
    const double tolerance = path.find("score") != std::string::npos ? kScoreTolerance : kPixelTolerance;
    const double delta = std::fabs(local.get<double>() - served.get<double>());
    return delta <= tolerance ? "" : path + ": " + local.dump() + " vs " + served.dump();
  }
  if (local.type() != served.type()) {
    return (path.empty() ? std::string("the results") : path) + ": the local one is " + local.type_name() +
           ", the server's is " + served.type_name();
  }
  if (local.is_array()) {
    if (local.size() != served.size()) {
      return path + ": " + std::to_string(local.size()) + " vs " + std::to_string(served.size()) + " entries";
    }
    // The score is the last number of a boundary.
    for (size_t i = 0; i < local.size(); ++i) {
      const bool last_number = path.find("boundary_result[") != std::string::npos && i + 1 == local.size();
      const std::string d = difference(local[i], served[i], path + "[" + std::to_string(i) + "]" + (last_number ? ".score" : ""));
      if (!d.empty()) return d;
    }
    return "";
  }
  if (local.is_object()) {
    for (const auto& [key, value] : local.items()) {
      if (!served.contains(key)) return path + "." + key + ": missing from the server's answer";
      const std::string d = difference(value, served[key], path + "." + key);
      if (!d.empty()) return d;
    }
    return "";
  }
  return local == served ? "" : path + ": " + local.dump() + " vs " + served.dump();
}

cv::Mat draw(PipelineKind kind, const cv::Mat& image, const Json& result) {
  switch (kind) {
    case PipelineKind::detection: return draw_detections(image, detection_from_json(result));
    case PipelineKind::recognition: return draw_recognition(image, recognition_from_json(result));
    case PipelineKind::ocr: return draw_ocr(image, ocr_from_json(result));
    case PipelineKind::angle: break;  // a server answers angles only inside OCR
  }
  return image;
}

int run_compare(const CompareOptions& options) {
  const std::vector<uint8_t> bytes = read_file_bytes(options.image);
  const cv::Mat image = decode_image(bytes, options.image);
  PipelineSpec spec;
  spec.model = options.model;
  spec.recognizer = options.rec;
  spec.classifier = options.cls;
  Pipeline local(spec);
  const Json local_result = result_json(local.run({image}).front());
  const std::string encoded(bytes.begin(), bytes.end());

  std::string base = options.inference_addr;
  if (base.find("://") == std::string::npos) base = "http://" + base;
  const auto reply = http_post(base + "/predictions/" + options.model_name, encoded, "application/octet-stream");
  if (reply.status != 200) {
    throw Error(ErrorKind::bad_input, "the server answered " + std::to_string(reply.status) + ": " + reply.body);
  }
  Json served;
  try {
    served = parse_json(reply.body, "the server's answer");
  } catch (const Error&) {
    throw Error(ErrorKind::bad_input, "the server's answer is not JSON: " + reply.body.substr(0, 200));
  }
  // Same model kind on both sides, or the comparison is meaningless: say which packages to give.
  const bool served_ocr = served.is_array(), local_ocr = local.kind() == PipelineKind::ocr;
  if (served_ocr != local_ocr) {
    throw Error(ErrorKind::bad_input,
                "the server's model " + options.model_name + " answered with " +
                    (served_ocr ? "end-to-end OCR lines" : "a single-model result") + ", but --model " +
                    options.model + (local_ocr ? " with --rec makes end-to-end OCR"
                                               : " alone makes a single model; give --rec (and --cls) for end-to-end OCR"));
  }
  const std::string d = difference(local_result, served);
  Json report = {{"image", options.image},
                 {"model_name", options.model_name},
                 {"agree", d.empty()},
                 {"tolerance", {{"pixels", kPixelTolerance}, {"score", kScoreTolerance}}},
                 {"local", local_result},
                 {"server", served}};
  if (!d.empty()) report["difference"] = d;
  if (!options.show.empty()) {
    const cv::Mat left = draw(local.kind(), image, local_result), right = draw(local.kind(), image, served);
    cv::Mat both;
    cv::hconcat(std::vector<cv::Mat>{left, right}, both);
    write_png(both, options.show);
    report["picture"] = options.show;
  }
  std::cout << report.dump(2) << "\n";
  std::cerr << (d.empty() ? "results agree (local left, server right)\n" : "results differ: " + d + "\n");
  return d.empty() ? 0 : 1;
}

}  // namespace

void add_compare_command(CLI::App& app) {
  auto options = std::make_shared<CompareOptions>();
  CLI::App* command = app.add_subcommand("compare", "Check a running server against local inference on one image");
  command->footer("Runs IMAGE through the package locally and through POST /predictions/NAME on the server, prints both "
                  "results and whether they agree (coordinates within 1 px, scores within 0.001, texts equal), and with "
                  "--show writes them side by side: local left, server right. Exit code 0 when they agree, 1 when not.");
  command->add_option("image", options->image, "Image file")->required();
  command->add_option("--model-name", options->model_name, "Name of the model on the server")->required();
  command->add_option("--model", options->model, "The package the server's model was made from")->required();
  command->add_option("--rec", options->rec, "Recognition package, when the model is end-to-end OCR");
  command->add_option("--cls", options->cls, "Angle-classifier package of an OCR model");
  command->add_option("--inference-addr", options->inference_addr, "Server inference address")
      ->default_val("http://127.0.0.1:8080");
  command->add_option("--show", options->show, "Write the side-by-side picture here (PNG)");
  command->callback([options] {
    const int code = run_compare(*options);
    if (code != 0) std::exit(code);
  });
}

}  // namespace ocrserve
