#pragma once
// A progress bar on stderr for commands that work through many images (infer, bench, eval):
// count/total, rate and time left, redrawn in place. It draws only when stderr is a terminal,
// so output captured by a pipe, a file or a test holds none of it.
#include <chrono>
#include <functional>
#include <iosfwd>
#include <string>

namespace ocrserve {

class Progress {
 public:
  using Clock = std::function<double()>;  // seconds since any fixed point

  // Draws on stderr when it is a terminal and `total` > 1 (adding to the total later counts too).
  Progress(size_t total, std::string unit = "images");
  // For tests: draws on `out` when `enabled`, `width` columns wide, with time from `clock`.
  Progress(size_t total, std::string unit, std::ostream& out, bool enabled, int width, Clock clock);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // More work found on the way (the pages of a PDF counted as one file before it was opened).
  void add_total(size_t more);
  void advance(size_t done = 1);
  // Writes a whole line (a message, ending in a newline) above the bar.
  void print(const std::string& line);
  // Draws the final count and ends the bar's line; the destructor calls it.
  void finish();

  // The bar as drawn now, without the carriage return: "12/40 images  3.1 images/s  ETA 0:09 [####....]".
  std::string line() const;

 private:
  bool visible() const { return enabled_ && total_ > 1; }
  void draw(bool force);

  size_t total_;
  size_t done_ = 0;
  std::string unit_;
  std::ostream& out_;
  bool enabled_;
  int width_;
  Clock clock_;
  double start_;
  double last_draw_ = -1;
  bool drawn_ = false;
  size_t drawn_done_ = 0;
  bool finished_ = false;
};

}  // namespace ocrserve
