// `ocrserve infer`: run a detection, recognition or end-to-end OCR model on images, folders of
// them, PDFs and multi-page TIFFs, and write the results as JSON, JSON Lines, text, TSV or hOCR.
#include <algorithm>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>

#include "cli/commands.hpp"
#include "cli/input_list.hpp"
#include "cli/output_formats.hpp"
#include "cli/pipelines.hpp"
#include "cli/progress.hpp"
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
  std::string format = "json";
  std::string json_out;
  std::string show;
  std::string output_dir;
  int pdf_dpi = 200;
};

// What one page produced: the JSON result, its text lines, and a picture of it when asked for.
struct PageOutput {
  Json json;
  std::vector<TextLine> lines;
  cv::Mat picture;
};

// Runs whichever pipeline the packages describe.
class Runner {
 public:
  explicit Runner(const InferOptions& options) : pipelines_(Pipelines::load(options.pipeline)) {}

  // Whether the pipeline reads text (OCR, recognition), which text, TSV and hOCR are made of.
  bool reads_text() const { return pipelines_.ocr || pipelines_.recognizer; }
  const char* name() const { return pipelines_.name(); }

  PageOutput run(const cv::Mat& image, bool picture) {
    if (auto& ocr = pipelines_.ocr) {
      const OcrResult result = ocr->run({image}).front();
      std::vector<TextLine> lines;
      for (const auto& item : result) lines.push_back({item.polygon, item.text, item.score});
      return {ocr_json(result), std::move(lines), picture ? draw_ocr(image, result) : cv::Mat()};
    }
    if (auto& detector = pipelines_.detector) {
      const DetectionResult result = detector->detect({image}).front();
      return {detection_json(result), {}, picture ? draw_detections(image, result) : cv::Mat()};
    }
    if (auto& recognizer = pipelines_.recognizer) {
      const RecognizedText result = recognizer->recognize({image}).front();
      // The image is the line: its box is the whole image.
      const auto w = static_cast<float>(image.cols), h = static_cast<float>(image.rows);
      std::vector<TextLine> lines = {{{{0, 0}, {w, 0}, {w, h}, {0, h}}, result.text, result.score}};
      return {recognition_json(result), std::move(lines), picture ? draw_recognition(image, result) : cv::Mat()};
    }
    const AngleResult result = pipelines_.classifier->classify({image}).front();
    return {Json{{"angle", result.angle}, {"score", result.score}}, {}, picture ? image : cv::Mat()};
  }

 private:
  Pipelines pipelines_;
};

// An output file opened for writing; Error(bad_input) naming it when it cannot be.
std::unique_ptr<std::ofstream> open_output(const fs::path& path) {
  std::error_code error;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), error);
  auto out = std::make_unique<std::ofstream>(path, std::ios::binary);
  if (!*out) throw Error(ErrorKind::bad_input, path.string() + ": cannot write");
  return out;
}

void check_written(std::ofstream& out, const fs::path& path) {
  out.flush();
  if (!out) throw Error(ErrorKind::bad_input, path.string() + ": cannot write");
}

fs::path base_name(const InputFile& input) {
  fs::path name = input.output_name;
  if (name.empty() || name == "." || name == "..") name = "input";
  return name.replace_extension();
}

class InferRun {
 public:
  explicit InferRun(const InferOptions& options) : options_(options), format_(parse_format(options.format)) {}

  void run() {
    if (std::count(options_.images.begin(), options_.images.end(), "-") > 1) {
      throw CLI::ValidationError("\"-\" (standard input) can be given once");
    }
    const std::vector<InputFile> inputs = expand_inputs(options_.images);
    Runner runner(options_);
    if (needs_text(format_) && !runner.reads_text()) {
      const std::string name = runner.name();
      throw CLI::ValidationError("--format " + options_.format + " needs recognised text, and " +
                                 (name == "angle" ? "an angle-classifier" : "a " + name) +
                                 " package gives none: use --format json or jsonl");
    }
    if (!options_.output_dir.empty()) {
      std::error_code error;
      fs::create_directories(options_.output_dir, error);
      if (error) throw Error(ErrorKind::bad_input, options_.output_dir + ": cannot create directory: " + error.message());
    }
    // One input named on the command line that is one image prints its result alone.
    const bool lone = inputs.size() == 1 && !inputs[0].listed;
    Progress progress(inputs.size());
    progress_ = &progress;
    for (const auto& input : inputs) process(input, lone, runner);
    if (stdout_writer_) stdout_writer_->finish();
    if (json_writer_) json_writer_->finish();
    if (json_file_) check_written(*json_file_, options_.json_out);
    progress.finish();
    if (first_error_) throw ReportedError(*first_error_);
  }

 private:
  void process(const InputFile& input, bool lone, Runner& runner) {
    std::optional<InputDocument> document;
    std::optional<Error> open_error = input.error;
    if (!open_error) {
      try {
        document.emplace(read_input_bytes(input), input.name, options_.pdf_dpi);
      } catch (const Error& e) {
        open_error = e;
      }
    }
    const bool paged = document && document->paged();
    start_run_writers(lone && !paged);
    const fs::path base = names_.claim(base_name(input));
    InputWriters writers = input_writers(base, !paged, open_error.has_value());
    if (open_error) {
      report(*open_error);
      emit({input.name, 0, {}, 0, Json(), {}, open_error}, writers);
    } else {
      progress_->add_total(document->size() - 1);
      for (size_t index = 0; index < document->size(); ++index) {
        PageResult page{input.name, paged ? static_cast<int>(index + 1) : 0, {}, document->dpi(), Json(), {}, {}};
        try {
          const cv::Mat image = document->read(index, page.label());
          page.size = image.size();
          PageOutput output = runner.run(image, !options_.show.empty());
          page.result = std::move(output.json);
          page.lines = std::move(output.lines);
          if (!options_.show.empty()) write_png(output.picture, picture_path(base, page.page, lone && !paged));
        } catch (const Error& e) {
          // One bad page does not stop the others; the exit code still reports it.
          report(e);
          page.error = e;
        }
        emit(page, writers);
      }
    }
    if (writers.writer) writers.writer->finish();
    if (writers.file) check_written(*writers.file, writers.path);
  }

  // Standard output's and --json FILE's writers, made when the first input tells whether the
  // run prints one result alone.
  void start_run_writers(bool bare) {
    if (started_) return;
    started_ = true;
    if (options_.output_dir.empty()) stdout_writer_ = make_writer(format_, std::cout, {bare, false});
    if (!options_.json_out.empty()) {
      json_file_ = open_output(options_.json_out);
      json_writer_ = make_writer(Format::json, *json_file_, {bare, true});
    }
  }

  struct InputWriters {
    std::unique_ptr<std::ofstream> file;
    fs::path path;
    std::unique_ptr<ResultWriter> writer;
  };

  // The --output-dir file of one input. An input that could not be read gets one in JSON
  // formats (its error) and none in text formats (there is nothing to write).
  InputWriters input_writers(const fs::path& base, bool bare, bool failed) {
    InputWriters writers;
    if (options_.output_dir.empty() || (failed && needs_text(format_))) return writers;
    writers.path = fs::path(options_.output_dir) / base;
    writers.path += format_extension(format_);
    writers.file = open_output(writers.path);
    writers.writer = make_writer(format_, *writers.file, {bare, true});
    return writers;
  }

  fs::path picture_path(const fs::path& base, int page, bool lone) {
    if (lone) return options_.show;
    fs::path name = page > 0 ? names_.claim(base.string() + "-page" + std::to_string(page)) : base;
    fs::path path = fs::path(options_.show) / name;
    path += ".png";
    std::error_code error;
    fs::create_directories(path.parent_path(), error);
    if (error) throw Error(ErrorKind::bad_input, path.parent_path().string() + ": cannot create directory: " + error.message());
    return path;
  }

  void emit(const PageResult& page, InputWriters& writers) {
    if (stdout_writer_) stdout_writer_->page(page);
    if (json_writer_) json_writer_->page(page);
    if (writers.writer) writers.writer->page(page);
    progress_->advance();
  }

  void report(const Error& error) {
    progress_->print("ocrserve: error: " + std::string(error.what()) + "\n");
    if (!first_error_) first_error_ = error;
  }

  const InferOptions& options_;
  Format format_;
  Progress* progress_ = nullptr;
  OutputNames names_;
  bool started_ = false;
  std::unique_ptr<ResultWriter> stdout_writer_;
  std::unique_ptr<std::ofstream> json_file_;
  std::unique_ptr<ResultWriter> json_writer_;
  std::optional<Error> first_error_;
};

}  // namespace

void add_infer_command(CLI::App& app) {
  auto options = std::make_shared<InferOptions>();
  CLI::App* command = app.add_subcommand("infer", "Run detection, recognition or end-to-end OCR on images and PDFs");
  command->footer(
      "Inputs: image files (JPEG, PNG, BMP, WebP, TIFF with all its pages), PDFs (every page, rendered at "
      "--pdf-dpi), folders (searched recursively for those), patterns such as 'scans/*.png' (expanded here when "
      "the shell did not), and - for standard input. "
      "The package's postprocessor decides what runs: a detection package prints "
      "{\"boundary_result\": [[x1,y1,...,xn,yn,score],...]}, a recognition package "
      "{\"text\": ..., \"score\": ...}; a detection package with --rec runs end-to-end OCR and prints "
      "[{\"polygon\": [...], \"det_score\": ..., \"text\": ..., \"score\": ...}, ...]. "
      "Without --model, the default PP-OCRv4 packages (detector and recogniser; --use-angle-cls adds the angle "
      "classifier) run end to end.");
  command->add_option("images", options->images, "Images, PDFs, folders, patterns, or - (standard input)")->required();
  options->pipeline.add_to(command, "Model package directory (detection, recognition or angle)");
  command->add_option("-f,--format", options->format,
                      "Output: json (default), jsonl (one line per page), text (one line per text line, a form feed "
                      "between pages), tsv or hocr (as Tesseract writes them)")
      ->check(CLI::IsMember(format_names()));
  command->add_option("--output-dir", options->output_dir,
                      "Write one file per input into this folder (named after the input, extension of the format) "
                      "instead of standard output");
  command->add_option("--json", options->json_out, "Also write the JSON to this file");
  command->add_option("--show", options->show,
                      "Write a picture of the result: a PNG file for one image, a folder of pictures otherwise");
  command->add_option("--pdf-dpi", options->pdf_dpi, "Resolution PDF pages are rendered at")
      ->default_val(200)
      ->check(CLI::Range(50, 600));
  command->callback([options] { InferRun(*options).run(); });
}

}  // namespace ocrserve
