// `ocrserve eval`: accuracy of a package (or the OCR pipeline) on a labelled data set —
// mmdeploy's test step. A table on the terminal, --json for machines.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>

#include "backend/session_cache.hpp"
#include "cli/commands.hpp"
#include "cli/pipelines.hpp"
#include "cli/progress.hpp"
#include "frontend/results/result_json.hpp"
#include "core/image.hpp"
#include "core/json_file.hpp"
#include "ocrserve/error.hpp"
#include "eval/dataset.hpp"
#include "ocrserve/ocr.hpp"

namespace ocrserve {
namespace {

namespace fs = std::filesystem;

struct EvalOptions {
  PipelineFlags pipeline;
  std::string task, dataset, json_out, predictions;
  double iou = 0.5;
};

void print_row(const char* name, const std::string& value) { std::printf("  %-32s %s\n", name, value.c_str()); }
std::string fixed(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4f", value);
  return text;
}

// OCR results saved by `ocrserve infer` over several images (or any system that writes the same
// shape), by image file name: what --predictions scores instead of running a pipeline.
std::map<std::string, OcrResult> read_predictions(const std::string& file) {
  const Json json = read_json_file(file);
  if (!json.is_array()) throw Error(ErrorKind::bad_input, file + ": expected a list of {\"image\", \"result\"} as infer writes");
  std::map<std::string, OcrResult> predictions;
  for (const auto& item : json) {
    if (!item.is_object() || !item.contains("image") || !item["image"].is_string()) {
      throw Error(ErrorKind::bad_input, file + ": an entry has no \"image\" name");
    }
    const std::string name = fs::path(item["image"].get<std::string>()).filename().string();
    predictions[name] = item.contains("result") ? ocr_from_json(item["result"]) : OcrResult{};
  }
  return predictions;
}

Json evaluate_detection(const EvalOptions& options, bool end_to_end) {
  const auto samples = load_detection_dataset(options.dataset);
  const bool boxes = std::any_of(samples.begin(), samples.end(), [](const auto& sample) { return sample.has_boxes; });
  if (!end_to_end && !boxes) throw Error(ErrorKind::bad_input, options.dataset + ": --task det needs boxes; a transcription list has none");
  std::optional<Pipeline> pipeline;
  std::map<std::string, OcrResult> predictions;
  if (!options.predictions.empty()) {
    if (!end_to_end) throw Error(ErrorKind::bad_input, "--predictions scores OCR results: use it with --task e2e");
    predictions = read_predictions(options.predictions);
  } else {
    if (!end_to_end && options.pipeline.packages.model.empty()) throw Error(ErrorKind::bad_input, "--task det needs --model");
    pipeline.emplace(options.pipeline.spec());
    if (end_to_end && !pipeline->ocr()) throw Error(ErrorKind::bad_input, "--task e2e needs a detection --model and --rec");
  }
  DetectionCounts counts;
  LineAccuracy lines;
  Progress progress(samples.size());
  auto score = [&](const DetectionSample& sample, const OcrResult& items) {
    std::vector<Polygon> polygons;
    std::vector<std::string> texts;
    for (const auto& item : items) polygons.push_back(item.polygon), texts.push_back(item.text);
    if (sample.has_boxes) counts += match_detections(sample.regions, polygons, options.iou, &texts, equal_ignoring_case_symbol);
    lines.add(sample.regions, texts);
    progress.advance();
  };
  if (end_to_end) {
    for (const auto& sample : samples) {
      if (!sample.has_text) {
        throw Error(ErrorKind::bad_input, options.dataset + ": end-to-end evaluation needs transcriptions; " +
                                              sample.image.string() + " has none");
      }
    }
  }
  if (end_to_end && pipeline) {
    // The images stream through the pipeline: the next is detected while this one's lines are read.
    size_t next = 0;
    pipeline->ocr()->run_each(
        [&]() -> std::optional<cv::Mat> {
          if (next == samples.size()) return std::nullopt;
          return read_image(samples[next++].image);
        },
        [&](OcrOutcome&& outcome) {
          if (outcome.error) std::rethrow_exception(outcome.error);
          score(samples[outcome.index], outcome.result);
        });
  } else if (end_to_end) {
    for (const auto& sample : samples) {
      const auto found = predictions.find(sample.image.filename().string());
      score(sample, found != predictions.end() ? found->second : OcrResult{});
    }
  } else {
    for (const auto& sample : samples) {
      const DetectionResult regions = pipeline->detector()->detect({read_image(sample.image)}).front();
      std::vector<Polygon> polygons;
      for (const auto& region : regions) polygons.push_back(region.polygon);
      counts += match_detections(sample.regions, polygons, options.iou);
      progress.advance();
    }
  }
  Json result = {{"task", end_to_end ? "e2e" : "det"}, {"images", samples.size()}};
  if (boxes) {
    result.update(Json{{"truth", counts.truth},
                       {"detected", counts.detected},
                       {"matched", counts.matched},
                       {"precision", counts.precision()},
                       {"recall", counts.recall()},
                       {"hmean", counts.hmean()},
                       {"iou_threshold", options.iou}});
  }
  if (end_to_end) {
    result["lines"] = lines.lines;
    result["line_accuracy"] = lines.accuracy();
    result["line_exact"] = lines.exact_rate();
  }
  return result;
}

Json evaluate_recognition(const EvalOptions& options) {
  const auto samples = load_recognition_dataset(options.dataset);
  Recognizer recognizer(options.pipeline.packages.model, options.pipeline.backend_options());
  RecognitionCounts counts;
  Progress progress(samples.size());
  for (const auto& sample : samples) {
    counts.add(sample.text, recognizer.recognize({read_image(sample.image)}).front().text);
    progress.advance();
  }
  return {{"task", "rec"},
          {"words", counts.words},
          {"word_accuracy", counts.word_accuracy()},
          {"word_accuracy_ignore_case_symbol", counts.word_accuracy_ignore_case_symbol()},
          {"cer", counts.cer()},
          {"edits", counts.edits},
          {"characters", counts.characters}};
}

void run_eval(const EvalOptions& options) {
  if (options.task == "rec" && options.pipeline.packages.model.empty()) throw Error(ErrorKind::bad_input, "--task rec needs --model");
  const Json result = options.task == "rec" ? evaluate_recognition(options) : evaluate_detection(options, options.task == "e2e");
  std::printf("%s on %s\n", options.task.c_str(), options.dataset.c_str());
  for (const auto& [key, value] : result.items()) {
    if (key == "task") continue;
    print_row(key.c_str(), value.is_number_float() ? fixed(value.get<double>()) : value.dump());
  }
  if (!options.json_out.empty()) {
    std::ofstream out(options.json_out);
    out << result.dump(2) << "\n";
    if (!out) throw Error(ErrorKind::bad_input, options.json_out + ": cannot write");
  }
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto options = std::make_shared<EvalOptions>();
  CLI::App* command = app.add_subcommand("eval", "Measure accuracy on a labelled data set (detection, recognition, end to end)");
  command->footer(
      "det: ICDAR 2015 precision / recall / hmean (polygon IoU, one-to-one matching, don't-care regions excluded). "
      "rec: word accuracy (exact and ignoring case and symbols, as MMOCR) and character error rate. "
      "e2e: detection matching plus equal text (ignoring case and symbols), and line accuracy: each truth line against "
      "the recognised text that reads most like it (1 - edits / length, case and spaces ignored). Data sets: MMOCR 1.x annotation JSON, "
      "a folder of ICDAR 2015 gt_*.txt files (beside the images, or gt/ beside images/), or an image<TAB>text list (see docs/evaluation.md).");
  command->add_option("--task", options->task, "det, rec or e2e")->required()->check(CLI::IsMember({"det", "rec", "e2e"}));
  options->pipeline.add_to(command, "Package (the detector for e2e; for e2e without it: the default packages)");
  command->add_option("--predictions", options->predictions,
                      "e2e: score these saved OCR results (infer's JSON for several images) instead of running a model");
  command->add_option("-d,--dataset", options->dataset, "Annotation file or ICDAR folder")->required();
  command->add_option("--iou", options->iou, "IoU threshold for a match")->default_val(0.5)->check(CLI::Range(0.0, 1.0));
  command->add_option("--json", options->json_out, "Also write the figures as JSON to this file");
  command->callback([options] { run_eval(*options); });
}

}  // namespace ocrserve
