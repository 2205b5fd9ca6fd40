#include "cli/progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <iostream>

namespace ocrserve {
namespace {

double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

int terminal_width() {
  winsize size{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 80;
}

std::string duration(double seconds) {
  const long total = std::lround(seconds);
  char text[32];
  if (total >= 3600) {
    std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", total / 3600, total / 60 % 60, total % 60);
  } else {
    std::snprintf(text, sizeof text, "%ld:%02ld", total / 60, total % 60);
  }
  return text;
}

}  // namespace

Progress::Progress(size_t total, std::string unit)
    : Progress(total, std::move(unit), std::cerr, isatty(STDERR_FILENO) == 1, terminal_width(), steady_seconds) {}

Progress::Progress(size_t total, std::string unit, std::ostream& out, bool enabled, int width, Clock clock)
    : total_(total), unit_(std::move(unit)), out_(out), enabled_(enabled), width_(width), clock_(std::move(clock)),
      start_(clock_()) {}

Progress::~Progress() { finish(); }

void Progress::add_total(size_t more) {
  total_ += more;
  draw(false);
}

void Progress::advance(size_t done) {
  done_ = std::min(total_, done_ + done);
  draw(false);
}

void Progress::print(const std::string& line) {
  if (drawn_) out_ << "\r\033[K";
  out_ << line;
  if (drawn_) draw(true);
  out_.flush();
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  if (!visible()) return;
  if (!drawn_ || drawn_done_ != done_) draw(true);  // the final count, unless it is on screen
  out_ << "\n";
  out_.flush();
}

std::string Progress::line() const {
  const double elapsed = clock_() - start_;
  char text[160];
  const std::string count = std::to_string(done_) + "/" + std::to_string(total_) + " " + unit_;
  if (done_ == 0 || elapsed <= 0) {
    std::snprintf(text, sizeof text, "%s  ETA --:--", count.c_str());
  } else {
    const double rate = done_ / elapsed;
    const std::string left = done_ >= total_ ? "in " + duration(elapsed) : "ETA " + duration((total_ - done_) / rate);
    std::snprintf(text, sizeof text, "%s  %.1f %s/s  %s", count.c_str(), rate, unit_.c_str(), left.c_str());
  }
  std::string line = text;
  // A bar in what is left of the terminal's width (one column spare, so that no line wraps).
  const int bar = width_ - 1 - static_cast<int>(line.size()) - 3;
  if (bar >= 10) {
    const int cells = std::min(bar, 40);
    const int full = total_ == 0 ? 0 : static_cast<int>(static_cast<double>(done_) / total_ * cells);
    line += " [" + std::string(full, '#') + std::string(cells - full, '.') + "]";
  }
  return line;
}

void Progress::draw(bool force) {
  if (!visible() || (finished_ && !force)) return;
  const double now = clock_();
  // At most ten redraws a second: a terminal is slow next to a fast model.
  if (!force && drawn_ && now - last_draw_ < 0.1 && done_ < total_) return;
  last_draw_ = now;
  drawn_ = true;
  drawn_done_ = done_;
  out_ << "\r\033[K" << line();
  out_.flush();
}

}  // namespace ocrserve
