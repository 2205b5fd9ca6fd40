// `ocrserve infer`: run a detection, recognition or end-to-end OCR model on images, folders of
// them, PDFs and multi-page TIFFs, and write the results as JSON, JSON Lines, text, TSV or hOCR.
#include <algorithm>
#include <deque>
#include <functional>
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
#include "frontend/results/result_json.hpp"
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

// What one page produced: the JSON result, its text lines, and how to draw it when asked for.
struct PageOutput {
  Json json;
  std::vector<TextLine> lines;
  std::function<cv::Mat(const cv::Mat& image)> draw;
};

// A page's output, or why it failed (the exception of reading or running it).
struct PageOutcome {
  PageOutput output;
  std::exception_ptr error;
};

// Runs whichever pipeline the packages describe over a stream of pages.
class Runner {
 public:
  explicit Runner(const InferOptions& options) : pipeline_(options.pipeline.spec()) {}

  // Whether the pipeline reads text (OCR, recognition), which text, TSV and hOCR are made of.
  bool reads_text() const { return pipeline_.kind() == PipelineKind::ocr || pipeline_.kind() == PipelineKind::recognition; }
  const char* name() const { return to_string(pipeline_.kind()); }

  // Runs the pages `next_page` gives (std::nullopt: no more; an exception: that page could not
  // be read) and hands `done` each one's outcome in order. End-to-end OCR detects the next page
  // while this one's lines are recognised (Ocr::run_each).
  void run_each(const std::function<std::optional<cv::Mat>()>& next_page, const std::function<void(PageOutcome&&)>& done) {
    if (Ocr* ocr = pipeline_.ocr()) {
      ocr->run_each(next_page, [&](OcrOutcome&& outcome) {
        if (outcome.error) return done({{}, outcome.error});
        done({ocr_output(std::move(outcome.result)), nullptr});
      });
      return;
    }
    while (true) {
      PageOutcome outcome;
      try {
        const std::optional<cv::Mat> image = next_page();
        if (!image) return;
        outcome.output = run(*image);
      } catch (...) {
        outcome.error = std::current_exception();
      }
      done(std::move(outcome));
    }
  }

 private:
  static PageOutput ocr_output(OcrResult result) {
    std::vector<TextLine> lines;
    for (const auto& item : result) lines.push_back({item.polygon, item.text, item.score});
    Json json = ocr_json(result);
    return {std::move(json), std::move(lines), [result = std::move(result)](const cv::Mat& image) { return draw_ocr(image, result); }};
  }

  PageOutput run(const cv::Mat& image) {
    if (Detector* detector = pipeline_.detector()) {
      DetectionResult result = detector->detect({image}).front();
      Json json = detection_json(result);
      return {std::move(json), {}, [result = std::move(result)](const cv::Mat& image) { return draw_detections(image, result); }};
    }
    if (Recognizer* recognizer = pipeline_.recognizer()) {
      RecognizedText result = recognizer->recognize({image}).front();
      // The image is the line: its box is the whole image.
      const auto w = static_cast<float>(image.cols), h = static_cast<float>(image.rows);
      std::vector<TextLine> lines = {{{{0, 0}, {w, 0}, {w, h}, {0, h}}, result.text, result.score}};
      Json json = recognition_json(result);
      return {std::move(json), std::move(lines), [result = std::move(result)](const cv::Mat& image) { return draw_recognition(image, result); }};
    }
    const AngleResult result = pipeline_.classifier()->classify({image}).front();
    return {angle_json(result), {}, [](const cv::Mat& image) { return image; }};
  }

  Pipeline pipeline_;
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

// A page read and not yet written: what its result needs to be written, in order.
struct PendingPage {
  PageResult page;
  const InputFile* input = nullptr;
  bool first = false;       // the input's first page (or its only entry): its writers start here
  bool last = false;        // the input's last page: its writers finish here
  bool paged = false;       // the input numbers its pages
  bool open_failed = false; // the input could not be opened: this entry is its error
  bool no_pages = false;    // a document without pages: only its writers
  cv::Mat image;            // kept for --show
};

// What the page stream throws for a document without pages, which has no page to run.
struct NoPages {};

class InferRun {
 public:
  explicit InferRun(const InferOptions& options) : options_(options), format_(parse_format(options.format)) {}

  void run() {
    if (std::count(options_.images.begin(), options_.images.end(), "-") > 1) {
      throw CLI::ValidationError("\"-\" (standard input) can be given once");
    }
    inputs_ = expand_inputs(options_.images);
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
    lone_ = inputs_.size() == 1 && !inputs_[0].listed;
    Progress progress(inputs_.size());
    progress_ = &progress;
    runner.run_each([this] { return read_next_page(); }, [this](PageOutcome&& outcome) { write(std::move(outcome)); });
    if (stdout_writer_) stdout_writer_->finish();
    if (json_writer_) json_writer_->finish();
    if (json_file_) check_written(*json_file_, options_.json_out);
    progress.finish();
    if (first_error_) throw ReportedError(*first_error_);
  }

 private:
  // The next page of the inputs (std::nullopt after the last), noting in pending_ how to write
  // its result. Throws the Error of a page, or of an input, that cannot be read.
  std::optional<cv::Mat> read_next_page() {
    if (document_ && next_page_ == document_->size()) document_.reset();
    if (!document_) {
      if (next_input_ == inputs_.size()) return std::nullopt;
      const InputFile& input = inputs_[next_input_++];
      std::optional<Error> open_error = input.error;
      if (!open_error) {
        try {
          document_.emplace(read_input_bytes(input), input.name, options_.pdf_dpi);
        } catch (const Error& e) {
          open_error = e;
        }
      }
      if (open_error || document_->size() == 0) {
        PendingPage& pending = pending_.emplace_back();
        pending.page = {input.name, 0, {}, document_ ? document_->dpi() : 0, Json(), {}, open_error};
        pending.input = &input;
        pending.first = pending.last = true;
        pending.paged = document_ && document_->paged();
        pending.open_failed = open_error.has_value();
        pending.no_pages = !open_error;
        document_.reset();
        if (open_error) throw *open_error;
        throw NoPages{};
      }
      progress_->add_total(document_->size() - 1);
      document_input_ = &input;
      next_page_ = 0;
    }
    const size_t index = next_page_++;
    PendingPage& pending = pending_.emplace_back();
    pending.paged = document_->paged();
    pending.page = {document_input_->name, pending.paged ? static_cast<int>(index + 1) : 0, {}, document_->dpi(), Json(), {}, {}};
    pending.input = document_input_;
    pending.first = index == 0;
    pending.last = next_page_ == document_->size();
    const cv::Mat image = document_->read(index, pending.page.label());
    pending.page.size = image.size();
    if (!options_.show.empty()) pending.image = image;
    return image;
  }

  // Writes the result of the oldest page read.
  void write(PageOutcome&& outcome) {
    PendingPage pending = std::move(pending_.front());
    pending_.pop_front();
    if (pending.first) {
      start_run_writers(lone_ && !pending.paged);
      base_ = names_.claim(base_name(*pending.input));
      writers_ = input_writers(base_, !pending.paged, pending.open_failed);
    }
    PageResult& page = pending.page;
    if (pending.open_failed) {
      report(*page.error);
      emit(page, writers_);
    } else if (!pending.no_pages) {
      try {
        if (outcome.error) std::rethrow_exception(outcome.error);
        page.result = std::move(outcome.output.json);
        page.lines = std::move(outcome.output.lines);
        if (!options_.show.empty()) {
          write_png(outcome.output.draw(pending.image), picture_path(base_, page.page, lone_ && !pending.paged));
        }
      } catch (const Error& e) {
        // One bad page does not stop the others; the exit code still reports it.
        report(e);
        page.error = e;
      }
      emit(page, writers_);
    }
    if (pending.last) {
      if (writers_.writer) writers_.writer->finish();
      if (writers_.file) check_written(*writers_.file, writers_.path);
      writers_ = {};
    }
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
  std::vector<InputFile> inputs_;
  bool lone_ = false;
  Progress* progress_ = nullptr;
  // The page stream's side: the input being read and its next page.
  size_t next_input_ = 0;
  std::optional<InputDocument> document_;
  const InputFile* document_input_ = nullptr;
  size_t next_page_ = 0;
  // The writing side: pages read and not yet written, and the writers of the input being written.
  std::deque<PendingPage> pending_;
  fs::path base_;
  InputWriters writers_;
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
