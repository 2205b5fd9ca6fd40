#include "cli/bench_sweep.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
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

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n == 0 ? 0.0 : n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

// Milliseconds of one stage: on the clock, and of CPU used by the whole process meanwhile. On a
// machine others share, the clock counts their work too; CPU time mostly does not.
struct Timer {
  Clock::time_point wall = Clock::now();
  double cpu = process_cpu_ms();
  static double process_cpu_ms() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
  }
  double wall_ms() const { return std::chrono::duration<double, std::milli>(Clock::now() - wall).count(); }
  double cpu_ms() const { return process_cpu_ms() - cpu; }
};

struct Stages {
  double decode = 0, det = 0, rec = 0, total = 0;
};

struct SweepPoint {
  double megapixels = 0;
  cv::Size size;
  int lines = 0;
  int cap_height = 0;            // of the page's letters, in pixels
  size_t regions = 0, read = 0;  // what detection found, and the lines OCR returned
  Stages wall, cpu;              // medians
};

// One point of a sweep: its page as a PNG file would bring it (decoding is part of serving it)
// and the times of its runs so far, [0] on the clock and [1] in CPU time.
struct Sample {
  std::vector<uint8_t> png;
  SweepPoint point;
  std::vector<double> decode[2], det[2], whole[2];
};

// One timed run: decoding, detection alone for the det column, then the whole OCR pipeline
// (rec = OCR − detection, cropping included).
void time_once(Ocr& ocr, Sample& sample) {
  auto record = [](std::vector<double>* into, const Timer& timer) {
    into[0].push_back(timer.wall_ms());
    into[1].push_back(timer.cpu_ms());
  };
  Timer timer;
  const cv::Mat image = decode_image(sample.png, "synthetic page");
  record(sample.decode, timer);
  timer = Timer();
  sample.point.regions = ocr.detector().detect({image}).front().size();
  record(sample.det, timer);
  timer = Timer();
  sample.point.read = ocr.run({image}).front().size();
  record(sample.whole, timer);
}

void summarise(Sample& sample) {
  for (int k = 0; k < 2; ++k) {
    Stages& stages = k == 0 ? sample.point.wall : sample.point.cpu;
    // rec and total per run, then their medians: a run's detection and OCR share its conditions,
    // and a difference of two medians can even go negative where the lines cost little.
    std::vector<double> rec, total;
    for (size_t i = 0; i < sample.whole[k].size(); ++i) {
      rec.push_back(std::max(0.0, sample.whole[k][i] - sample.det[k][i]));
      total.push_back(sample.decode[k][i] + sample.whole[k][i]);
    }
    stages.decode = median(sample.decode[k]);
    stages.det = median(sample.det[k]);
    stages.rec = median(rec);
    stages.total = median(total);
  }
}

Json point_json(const SweepPoint& p) {
  return {{"megapixels", p.megapixels}, {"width", p.size.width}, {"height", p.size.height}, {"lines", p.lines},
          {"cap_height", p.cap_height}, {"regions", p.regions}, {"read", p.read},
          {"decode_ms", p.wall.decode}, {"det_ms", p.wall.det}, {"rec_ms", p.wall.rec}, {"total_ms", p.wall.total},
          {"cpu_decode_ms", p.cpu.decode}, {"cpu_det_ms", p.cpu.det}, {"cpu_rec_ms", p.cpu.rec}, {"cpu_total_ms", p.cpu.total}};
}

constexpr const char* kFitted[] = {"total_ms", "det_ms", "rec_ms", "cpu_total_ms", "cpu_det_ms", "cpu_rec_ms"};

// Straight-line fits of each stage against the swept variable, and the growth exponent
// (time ∝ x^k from a log-log fit), which says what a doubling costs whatever the intercept.
Json fits(const std::vector<SweepPoint>& points, bool by_lines) {
  std::vector<double> x;
  for (const auto& p : points) x.push_back(by_lines ? p.lines : p.megapixels);
  Json result = Json::object();
  for (const char* stage : kFitted) {
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
  std::printf("%6s %10s %5s %5s %5s | %8s %8s %8s %8s | %8s %8s %8s\n", "MP", "size", "lines", "found", "read", "decode",
              "det", "rec", "total", "cpu det", "cpu rec", "cpu tot");
  for (const auto& p : points) {
    const std::string size = std::to_string(p.size.width) + "x" + std::to_string(p.size.height);
    std::printf("%6.2f %10s %5d %5zu %5zu | %8.1f %8.1f %8.1f %8.1f | %8.1f %8.1f %8.1f\n", p.megapixels, size.c_str(), p.lines,
                p.regions, p.read, p.wall.decode, p.wall.det, p.wall.rec, p.wall.total, p.cpu.det, p.cpu.rec, p.cpu.total);
  }
  if (points.size() < 2) return;
  const char* unit = by_lines ? "line" : "MP";
  for (const char* stage : kFitted) {
    const Json& f = fit[stage];
    std::printf("  fit %-12s %8.2f ms/%s, intercept %8.1f ms, R² %.3f", stage, f["slope"].get<double>(), unit,
                f["intercept"].get<double>(), f["r2"].get<double>());
    if (f.contains("per_doubling")) std::printf(", x%.2f per doubling", f["per_doubling"].get<double>());
    std::printf("\n");
  }
}

void write_csv(const std::string& path, const Json& record) {
  std::ofstream out(path);
  const char* fields[] = {"megapixels", "width", "height", "lines", "regions", "read", "decode_ms", "det_ms", "rec_ms",
                          "total_ms", "cpu_det_ms", "cpu_rec_ms", "cpu_total_ms"};
  out << "sweep";
  for (const char* field : fields) out << "," << field;
  out << "\n";
  for (const auto& sweep : record["sweeps"]) {
    for (const auto& p : sweep["points"]) {
      out << sweep["name"].get<std::string>();
      for (const char* field : fields) out << "," << p[field].dump();
      out << "\n";
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
    if (!options->which.empty() && (command->count("images") > 0 || command->count("--url") > 0))
      throw CLI::ValidationError("--sweep", "it draws and times its own pages in-process: give no images and no --url");
  });
  return options;
}

Json run_sweep(const SweepOptions& options, const PipelineFlags& flags, int warmup, int iterations) {
  Pipeline pipeline(flags.spec());
  if (!pipeline.ocr())
    throw Error(ErrorKind::unsupported, "--sweep times end-to-end OCR: give no --model, or a detector with --rec");
  Ocr& ocr = *pipeline.ocr();
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

  std::vector<Sample> samples(plan.size());
  for (size_t i = 0; i < plan.size(); ++i) {
    cv::imencode(".png", pages[i].image, samples[i].png);
    SweepPoint& point = samples[i].point;
    point.size = pages[i].image.size();
    point.megapixels = point.size.area() / 1e6;
    point.lines = plan[i].spec.lines;
    point.cap_height = pages[i].text_height;
  }
  // Rounds over every point rather than one point's runs in a row: a burst of other work on the
  // machine then lands on one run of several points, which the medians drop, instead of on all
  // runs of one point. The warm-up rounds (untimed) also grow ONNX Runtime's arena to the largest page.
  Progress progress(plan.size() * static_cast<size_t>(warmup + iterations), "runs");
  for (int round = 0; round < warmup; ++round) {
    for (auto& sample : samples) {
      ocr.run({decode_image(sample.png, "synthetic page")});
      progress.advance();
    }
  }
  for (int round = 0; round < iterations; ++round) {
    for (auto& sample : samples) {
      time_once(ocr, sample);
      progress.advance();
    }
  }
  std::vector<SweepPoint> size_points, lines_points;
  for (size_t i = 0; i < plan.size(); ++i) {
    summarise(samples[i]);
    (plan[i].sweep == "size" ? size_points : lines_points).push_back(samples[i].point);
  }
  progress.finish();

  Json record = {{"mode", "sweep"},
                 {"pipeline", to_string(pipeline.kind())},
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
