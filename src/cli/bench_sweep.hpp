#pragma once
// `ocrserve bench --sweep`: how the OCR pipeline's time grows with image size and with lines of
// text, measured on synthetic pages (cli/synthetic_page.hpp) and fitted with straight lines.
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/pipelines.hpp"
#include "core/json_file.hpp"

namespace ocrserve {

struct SweepOptions {
  std::string which;                                    // "" (no sweep), "size", "lines" or "both"
  std::vector<double> megapixels{0.25, 0.5, 1, 2, 4};   // the size sweep's pages
  int size_sweep_lines = 20;                            // lines on each of them
  std::vector<int> lines{1, 25, 50, 100, 200};          // the lines sweep's line counts
  double lines_sweep_megapixels = 2;                    // on a page this large
  uint32_t seed = 1;
  std::string csv_out;
  std::string pages_dir;                                // where to write the pages, if anywhere
};

// Adds --sweep and its settings to `command`; the options live as long as the command.
std::shared_ptr<SweepOptions> add_sweep_options(CLI::App* command);

// Runs the sweeps with the pipeline `flags` describe (OCR only), `warmup` untimed runs and the
// median of `iterations` timed runs per point; prints the table and returns the record.
Json run_sweep(const SweepOptions& options, const PipelineFlags& flags, int warmup, int iterations);

// Least squares y = slope·x + intercept, and R² (1 when y does not vary).
struct LinearFit {
  double slope = 0, intercept = 0, r2 = 0;
};
LinearFit fit_line(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace ocrserve
