#pragma once
// Synthetic document pages for `ocrserve bench --sweep`: lines of random words, black on white,
// drawn with OpenCV's Hershey font on a grid of rows and columns. The same spec and seed always
// give the same pixels, so a sweep measures the same pages on every machine.
#include <cstdint>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace ocrserve {

struct SyntheticPageSpec {
  int width = 1190;
  int height = 1684;
  int lines = 20;    // lines drawn, at most columns × rows
  int columns = 1;   // lines fill a column top to bottom, then the next one
  int rows = 0;      // line slots per column; 0: as many as the lines need (ceil(lines / columns))
  uint32_t seed = 1;
};

struct SyntheticPage {
  cv::Mat image;                  // 8-bit BGR
  std::vector<cv::Rect> boxes;    // one per drawn line: the ink's bounding box
  std::vector<std::string> texts; // what each line says
  int text_height = 0;            // capital-letter height in pixels
};

// Error(bad_input) when the grid leaves lines under 8 px high or columns too narrow for a word.
SyntheticPage draw_synthetic_page(const SyntheticPageSpec& spec);

// Width and height of a portrait page of `megapixels` with A4's aspect (1 : √2).
cv::Size a4_page_size(double megapixels);

}  // namespace ocrserve
