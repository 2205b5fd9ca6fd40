#include "cli/synthetic_page.hpp"

#include <algorithm>
#include <cmath>
#include <random>

#include <opencv2/imgproc.hpp>

#include "ocrserve/error.hpp"

namespace ocrserve {
namespace {

constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;

// std::mt19937's sequence is fixed by the standard; the distributions are not, so the
// draws below use its raw output.
class Draws {
 public:
  explicit Draws(uint32_t seed) : engine_(seed) {}
  int below(int n) { return static_cast<int>(engine_() % static_cast<uint32_t>(n)); }
  bool chance(int percent) { return below(100) < percent; }
  double unit() { return engine_() / 4294967296.0; }

 private:
  std::mt19937 engine_;
};

// A pronounceable made-up word, now and then a number or a capitalised word, so that lines read
// like text to the recogniser (letters, digits and a little punctuation, all in its dictionary).
std::string random_word(Draws& draw) {
  static const std::string consonants = "bcdfghjklmnprstvwz", vowels = "aeiou";
  if (draw.chance(12)) {
    switch (draw.below(3)) {
      case 0: return std::to_string(1 + draw.below(2000));
      case 1: return std::to_string(draw.below(500)) + "." + std::to_string(10 + draw.below(90));
      default: return std::to_string(10 + draw.below(18)) + "/" + std::to_string(10 + draw.below(2)) + "/" + std::to_string(1990 + draw.below(35));
    }
  }
  std::string word;
  for (int syllables = 1 + draw.below(3); syllables > 0; --syllables) {
    word += consonants[draw.below(static_cast<int>(consonants.size()))];
    word += vowels[draw.below(static_cast<int>(vowels.size()))];
  }
  if (draw.chance(40)) word += consonants[draw.below(static_cast<int>(consonants.size()))];
  if (draw.chance(15)) word[0] = static_cast<char>(std::toupper(word[0]));
  return word;
}

// Words until about `target` characters, at least one.
std::string random_line(Draws& draw, int target) {
  std::string line = random_word(draw);
  line[0] = static_cast<char>(std::toupper(line[0]));
  for (;;) {
    const std::string word = random_word(draw);
    if (static_cast<int>(line.size() + 1 + word.size()) > target) break;
    line += " " + word;
  }
  if (draw.chance(20)) line += draw.chance(50) ? "." : ":";
  return line;
}

}  // namespace

cv::Size a4_page_size(double megapixels) {
  const double width = std::sqrt(megapixels * 1e6 / std::sqrt(2.0));
  return {static_cast<int>(std::lround(width)), static_cast<int>(std::lround(width * std::sqrt(2.0)))};
}

SyntheticPage draw_synthetic_page(const SyntheticPageSpec& spec) {
  if (spec.width < 32 || spec.height < 32 || spec.width > 16384 || spec.height > 16384)
    throw Error(ErrorKind::bad_input, "synthetic page: size " + std::to_string(spec.width) + "x" + std::to_string(spec.height) + " outside 32-16384");
  if (spec.lines < 0 || spec.columns < 1 || spec.rows < 0)
    throw Error(ErrorKind::bad_input, "synthetic page: lines, columns and rows must be positive");
  const int rows = spec.rows > 0 ? spec.rows : std::max(1, (spec.lines + spec.columns - 1) / spec.columns);
  if (spec.lines > rows * spec.columns)
    throw Error(ErrorKind::bad_input, "synthetic page: " + std::to_string(spec.lines) + " lines do not fit in " +
                                          std::to_string(spec.columns) + " columns of " + std::to_string(rows) + " rows");

  // The layout is a fixed share of the page, so the same spec at another size is the same page
  // scaled: margins 6% / 5%, glyphs 55% of a line's pitch, gutters 1.5 pitches.
  const double margin_x = 0.06 * spec.width, margin_y = 0.05 * spec.height;
  const double pitch = (spec.height - 2 * margin_y) / rows;
  const double gutter = 1.5 * pitch;
  const double column_width = (spec.width - 2 * margin_x - (spec.columns - 1) * gutter) / spec.columns;
  const int glyph_height = static_cast<int>(std::lround(0.55 * pitch));
  const int thickness = std::max(1, static_cast<int>(std::lround(glyph_height / 14.0)));
  const double scale = cv::getFontScaleFromHeight(kFont, glyph_height, thickness);
  int baseline = 0;
  const std::string sample = "the quick brown fox jumps over 13 lazy dogs";
  const double char_width = cv::getTextSize(sample, kFont, scale, thickness, &baseline).width / static_cast<double>(sample.size());
  const int cap_height = cv::getTextSize("H", kFont, scale, thickness, &baseline).height;
  if (cap_height < 8)
    throw Error(ErrorKind::bad_input, "synthetic page: " + std::to_string(rows) + " rows leave letters " + std::to_string(cap_height) +
                                          " px high on a page " + std::to_string(spec.height) + " px high (8 at least)");
  const int column_chars = static_cast<int>(column_width / char_width);
  if (column_chars < 8) throw Error(ErrorKind::bad_input, "synthetic page: columns too narrow for a line of words");

  SyntheticPage page;
  page.text_height = cap_height;
  page.image = cv::Mat(spec.height, spec.width, CV_8UC3, cv::Scalar(255, 255, 255));
  Draws draw(spec.seed);
  // Hershey's space is about a capital wide, so wide that the detector splits lines at it;
  // words are placed one by one with a book face's gap instead.
  const int space = std::max(2, static_cast<int>(std::lround(0.5 * cap_height)));
  for (int i = 0; i < spec.lines; ++i) {
    const int column = i / rows, row = i % rows;
    // Lines of 55-100% of the column, as paragraphs end and fields are short.
    const std::string text = random_line(draw, static_cast<int>(column_chars * (0.55 + 0.45 * draw.unit())));
    std::vector<std::string> words;
    for (size_t start = 0; start < text.size();) {
      const size_t end = std::min(text.find(' ', start), text.size());
      words.push_back(text.substr(start, end - start));
      start = end + 1;
    }
    std::vector<int> widths;
    int width = -space, height = 0, descent = 0;
    for (const auto& word : words) {
      const cv::Size size = cv::getTextSize(word, kFont, scale, thickness, &baseline);
      if (!widths.empty() && width + space + size.width > column_width) break;
      widths.push_back(size.width);
      width += space + size.width;
      height = std::max(height, size.height);
      descent = std::max(descent, baseline);
    }
    words.resize(widths.size());
    const int x = static_cast<int>(std::lround(margin_x + column * (column_width + gutter)));
    const int y = static_cast<int>(std::lround(margin_y + (row + 0.5) * pitch + cap_height / 2.0));  // baseline
    const int ink = 15 + draw.below(40);
    std::string drawn;
    for (size_t w = 0, left = x; w < words.size(); left += widths[w] + space, ++w) {
      cv::putText(page.image, words[w], {static_cast<int>(left), y}, kFont, scale, cv::Scalar(ink, ink, ink), thickness, cv::LINE_AA);
      drawn += (w ? " " : "") + words[w];
    }
    page.boxes.emplace_back(x, y - height, width, height + descent);
    page.texts.push_back(std::move(drawn));
  }
  return page;
}

}  // namespace ocrserve
