#include "cli/bench_sweep.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <opencv2/imgcodecs.hpp>

#include "cli/progress.hpp"
#include "cli/synthetic_page.hpp"
#include "core/image.hpp"
#include "ocrserve/error.hpp"

namespace ocrserve {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) { return std::chrono::duration<double, std::milli>(Clock::now() - start).count(); }

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n == 0 ? 0.0 : n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

struct SweepPoint {
  double megapixels = 0;
  cv::Size size;
  int lines = 0;
  size_t regions = 0, read = 0;  // what detection found, and the lines OCR returned
  double decode = 0, det = 0, rec = 0, total = 0;
};

// The page as a PNG file would bring it (decoding is part of serving it), then detection alone
// for the det column, then the whole OCR pipeline: rec = OCR − detection (cropping included).
SweepPoint measure(Ocr& ocr, const SyntheticPage& page, int lines, int warmup, int iterations, Progress& progress) {
  std::vector<uint8_t> png;
  cv::imencode(".png", page.image, png);
  SweepPoint point;
  point.size = page.image.size();
  point.megapixels = point.size.area() / 1e6;
  point.lines = lines;
  // The first runs at a new input size grow ONNX Runtime's arena: untimed.
  for (int i = 0; i < warmup; ++i) {
    ocr.run({decode_image(png, "synthetic page")});
    progress.advance();
  }
  std::vector<double> decode, det, ocr_ms;
  for (int i = 0; i < iterations; ++i) {
    auto start = Clock::now();
    const cv::Mat image = decode_image(png, "synthetic page");
    decode.push_back(ms_since(start));
    start = Clock::now();
    point.regions = ocr.detector().detect({image}).front().size();
    det.push_back(ms_since(start));
    start = Clock::now();
    point.read = ocr.run({image}).front().size();
    ocr_ms.push_back(ms_since(start));
    progress.advance();
  }
  point.decode = median(decode);
  point.det = median(det);
  const double whole = median(ocr_ms);
  point.rec = std::max(0.0, whole - point.det);
  point.total = point.decode + whole;
  return point;
}

Json point_json(const SweepPoint& p) {
  return {{"megapixels", p.megapixels}, {"width", p.size.width}, {"height", p.size.height}, {"lines", p.lines},
          {"regions", p.regions}, {"read", p.read}, {"decode_ms", p.decode}, {"det_ms", p.det},
          {"rec_ms", p.rec}, {"total_ms", p.total}};
}

// Straight-line fits of each stage against the swept variable, and the growth exponent
// (time ∝ x^k from a log-log fit), which says what a doubling costs whatever the intercept.
Json fits(const std::vector<SweepPoint>& points, bool by_lines) {
  std::vector<double> x;
  for (const auto& p : points) x.push_back(by_lines ? p.lines : p.megapixels);
  Json result = Json::object();
  for (const char* stage : {"total_ms", "det_ms", "rec_ms"}) {
    std::vector<double> y, log_x, log_y;
    for (size_t i = 0; i < points.size(); ++i) {
      const double value = point_json(points[i])[stage].get<double>();
      y.push_back(value);
      if (x[i] > 0 && value > 0) {
        log_x.push_back(std::log2(x[i]));
        log_y.push_back(std::log2(value));
      }
    }
    const LinearFit line = fit_line(x, y);
    Json fit = {{"slope", line.slope}, {"intercept", line.intercept}, {"r2", line.r2}};
    if (log_x.size() >= 2) fit["per_doubling"] = std::exp2(fit_line(log_x, log_y).slope);
    result[stage] = fit;
  }
  return result;
}

void print_sweep(const std::string& title, const std::vector<SweepPoint>& points, const Json& fit, bool by_lines) {
  std::printf("%s\n", title.c_str());
  std::printf("%7s %11s %6s %6s %6s %10s %9s %9s %10s\n", "MP", "size", "lines", "found", "read", "decode ms", "det ms",
              "rec ms", "total ms");
  for (const auto& p : points) {
    const std::string size = std::to_string(p.size.width) + "x" + std::to_string(p.size.height);
    std::printf("%7.2f %11s %6d %6zu %6zu %10.1f %9.1f %9.1f %10.1f\n", p.megapixels, size.c_str(), p.lines, p.regions, p.read,
                p.decode, p.det, p.rec, p.total);
  }
  if (points.size() < 2) return;
  const char* unit = by_lines ? "line" : "MP";
  for (const char* stage : {"total_ms", "det_ms", "rec_ms"}) {
    const Json& f = fit[stage];
    std::printf("  fit %-8s %8.2f ms/%s, intercept %8.1f ms, R² %.3f", stage, f["slope"].get<double>(), unit,
                f["intercept"].get<double>(), f["r2"].get<double>());
    if (f.contains("per_doubling")) std::printf(", x%.2f per doubling", f["per_doubling"].get<double>());
    std::printf("\n");
  }
}

void write_csv(const std::string& path, const Json& record) {
  std::ofstream out(path);
  out << "sweep,megapixels,width,height,lines,regions,read,decode_ms,det_ms,rec_ms,total_ms\n";
  for (const auto& sweep : record["sweeps"]) {
    for (const auto& p : sweep["points"]) {
      out << sweep["name"].get<std::string>() << "," << p["megapixels"].get<double>() << "," << p["width"] << "," << p["height"]
          << "," << p["lines"] << "," << p["regions"] << "," << p["read"] << "," << p["decode_ms"].get<double>() << ","
          << p["det_ms"].get<double>() << "," << p["rec_ms"].get<double>() << "," << p["total_ms"].get<double>() << "\n";
    }
  }
  if (!out) throw Error(ErrorKind::bad_input, path + ": cannot write");
}

}  // namespace

LinearFit fit_line(const std::vector<double>& x, const std::vector<double>& y) {
  const size_t n = std::min(x.size(), y.size());
  LinearFit fit;
  if (n == 0) return fit;
  double mean_x = 0, mean_y = 0;
  for (size_t i = 0; i < n; ++i) mean_x += x[i] / n, mean_y += y[i] / n;
  double sxx = 0, sxy = 0, syy = 0;
  for (size_t i = 0; i < n; ++i) {
    sxx += (x[i] - mean_x) * (x[i] - mean_x);
    sxy += (x[i] - mean_x) * (y[i] - mean_y);
    syy += (y[i] - mean_y) * (y[i] - mean_y);
  }
  fit.slope = sxx > 0 ? sxy / sxx : 0;
  fit.intercept = mean_y - fit.slope * mean_x;
  fit.r2 = syy > 0 ? (sxx > 0 ? sxy * sxy / (sxx * syy) : 0) : 1;
  return fit;
}

std::shared_ptr<SweepOptions> add_sweep_options(CLI::App* command) {
  auto options = std::make_shared<SweepOptions>();
  command->add_option("--sweep", options->which,
                      "Instead of images: time OCR on synthetic pages of growing size and growing line counts "
                      "(size, lines or both) and fit the growth")
      ->expected(0, 1)
      ->default_str("both")
      ->check(CLI::IsMember({"size", "lines", "both"}));
  command->add_option("--sweep-mp", options->megapixels, "Size sweep: page sizes in megapixels (A4 portrait)")
      ->delimiter(',')
      ->default_str("0.25,0.5,1,2,4")
      ->check(CLI::Range(0.01, 64.0));
  command->add_option("--sweep-mp-lines", options->size_sweep_lines, "Size sweep: lines of text on each page")
      ->default_val(options->size_sweep_lines)
      ->check(CLI::Range(0, 1000));
  command->add_option("--sweep-lines", options->lines, "Lines sweep: lines of text per page")
      ->delimiter(',')
      ->default_str("1,25,50,100,200")
      ->check(CLI::Range(0, 200));
  command->add_option("--sweep-lines-mp", options->lines_sweep_megapixels, "Lines sweep: page size in megapixels")
      ->default_val(options->lines_sweep_megapixels)
      ->check(CLI::Range(0.5, 64.0));
  command->add_option("--sweep-seed", options->seed, "Seed of the synthetic pages' words")->default_val(options->seed);
  command->add_option("--sweep-pages", options->pages_dir, "Also write the synthetic pages as PNG files into this folder");
  command->add_option("--csv", options->csv_out, "Sweep: also write the points as CSV");
  // Images are what bench reads, unless it sweeps its own pages.
  command->parse_complete_callback([command, options] {
    if (options->which.empty() && command->count("images") == 0) throw CLI::RequiredError("images (or --sweep)");
  });
  return options;
}

Json run_sweep(const SweepOptions& options, const PipelineFlags& flags, int warmup, int iterations) {
  Pipelines pipelines = Pipelines::load(flags);
  if (!pipelines.ocr)
    throw Error(ErrorKind::unsupported, "--sweep times end-to-end OCR: give no --model, or a detector with --rec");
  Ocr& ocr = *pipelines.ocr;
  const bool size = options.which != "lines", lines = options.which != "size";

  // The size sweep is one page scanned at growing resolutions: the same lines, glyphs growing
  // with the page. The lines sweep is one page size with more and more lines in a fixed grid
  // (4 columns of 50 rows), glyphs of one size. So one isolates pixels, the other lines.
  struct Planned {
    std::string sweep;
    SyntheticPageSpec spec;
  };
  std::vector<Planned> plan;
  if (size) {
    for (double mp : options.megapixels) {
      const cv::Size page = a4_page_size(mp);
      plan.push_back({"size", {page.width, page.height, options.size_sweep_lines, 1, 0, options.seed}});
    }
  }
  if (lines) {
    const cv::Size page = a4_page_size(options.lines_sweep_megapixels);
    for (int count : options.lines) plan.push_back({"lines", {page.width, page.height, count, 4, 50, options.seed}});
  }
  // Every page is drawn before anything is timed, so a page that cannot be drawn fails at once.
  std::vector<SyntheticPage> pages;
  for (const auto& planned : plan) pages.push_back(draw_synthetic_page(planned.spec));
  if (!options.pages_dir.empty()) {
    std::filesystem::create_directories(options.pages_dir);
    for (size_t i = 0; i < plan.size(); ++i) {
      const auto& spec = plan[i].spec;
      char name[64];
      std::snprintf(name, sizeof name, "%s-%dx%d-%dlines.png", plan[i].sweep.c_str(), spec.width, spec.height, spec.lines);
      if (!cv::imwrite((std::filesystem::path(options.pages_dir) / name).string(), pages[i].image))
        throw Error(ErrorKind::bad_input, options.pages_dir + ": cannot write " + name);
    }
  }

  Progress progress(plan.size() * static_cast<size_t>(warmup + iterations), "runs");
  std::vector<SweepPoint> size_points, lines_points;
  for (size_t i = 0; i < plan.size(); ++i) {
    const SweepPoint point = measure(ocr, pages[i], plan[i].spec.lines, warmup, iterations, progress);
    (plan[i].sweep == "size" ? size_points : lines_points).push_back(point);
  }
  progress.finish();

  Json record = {{"mode", "sweep"},
                 {"pipeline", pipelines.name()},
                 {"model", flags.packages.model.empty() ? "default OCR packages" : flags.packages.model},
                 {"threads", flags.threads},
                 {"warmup", warmup},
                 {"iterations", iterations},
                 {"seed", options.seed},
                 {"sweeps", Json::array()}};
  auto add = [&](const char* name, const std::vector<SweepPoint>& points, bool by_lines, Json fixed, const std::string& title) {
    Json sweep = {{"name", name}, {"fixed", std::move(fixed)}, {"points", Json::array()}};
    for (const auto& p : points) sweep["points"].push_back(point_json(p));
    sweep["fit"] = fits(points, by_lines);
    print_sweep(title, points, sweep["fit"], by_lines);
    record["sweeps"].push_back(std::move(sweep));
  };
  const std::string runs = ", " + std::to_string(flags.threads) + " thread(s), median of " + std::to_string(iterations) + " run(s)";
  if (size) {
    add("size", size_points, false, {{"lines", options.size_sweep_lines}, {"columns", 1}},
        "size sweep: A4 pages of " + std::to_string(options.size_sweep_lines) + " lines, text scaled with the page" + runs);
  }
  if (lines) {
    const cv::Size page = a4_page_size(options.lines_sweep_megapixels);
    if (size) std::printf("\n");
    add("lines", lines_points, true,
        {{"megapixels", page.area() / 1e6}, {"width", page.width}, {"height", page.height}, {"columns", 4}, {"rows", 50}},
        "lines sweep: " + std::to_string(page.width) + "x" + std::to_string(page.height) + " pages, 4 columns of 50 line slots" + runs);
  }
  if (!options.csv_out.empty()) write_csv(options.csv_out, record);
  return record;
}

}  // namespace ocrserve
