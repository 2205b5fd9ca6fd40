#include "cli/visualize.hpp"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <mutex>

#include <opencv2/freetype.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "ocrserve/error.hpp"

namespace ocrserve {
namespace {

// WenQuanYi Zen Hei (Debian fonts-wqy-zenhei) covers Latin and CJK; OCRSERVE_FONT overrides.
constexpr const char* kDefaultFont = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc";

// The font is loaded once; FreeType faces are not thread-safe, so drawing takes the lock.
struct Font {
  std::mutex mutex;
  cv::Ptr<cv::freetype::FreeType2> face;

  Font() {
    const char* env = std::getenv("OCRSERVE_FONT");
    const std::string path = env && *env ? env : kDefaultFont;
    try {
      face = cv::freetype::createFreeType2();
      face->loadFontData(path, 0);
    } catch (const cv::Exception&) {
      face.release();
      std::cerr << "ocrserve: warning: cannot load font " << path << "; drawing ASCII text only\n";
    }
  }

  // `origin` is the top-left corner of the text.
  void put(cv::Mat& image, const std::string& text, cv::Point origin, int height, cv::Scalar color) {
    std::lock_guard lock(mutex);
    if (face) {
      face->putText(image, text, origin, height, color, -1, cv::LINE_AA, false);
    } else {
      const double scale = height / 30.0;
      cv::putText(image, text, origin + cv::Point(0, height), cv::FONT_HERSHEY_SIMPLEX, scale, color, 1, cv::LINE_AA);
    }
  }

  // How wide `text` is drawn at `height`.
  int width(const std::string& text, int height) {
    std::lock_guard lock(mutex);
    int baseline = 0;
    if (face) return face->getTextSize(text, height, -1, &baseline).width;
    return cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, height / 30.0, 1, &baseline).width;
  }

  // Draws `text` at `origin`, `height` high at most, wholly inside `image`: moved left from the
  // right edge, and made smaller when it is wider than the image.
  void put_inside(cv::Mat& image, const std::string& text, cv::Point origin, int height, cv::Scalar color) {
    constexpr int kMargin = 4;  // FreeType's measure may be a pixel or two short of the glyphs
    const int room = std::max(1, image.cols - 2 * kMargin);
    int drawn = width(text, height);
    if (drawn > room) {
      height = std::max(1, height * room / drawn);
      drawn = width(text, height);
    }
    origin.x = std::clamp(origin.x, 0, std::max(0, image.cols - kMargin - drawn));
    origin.y = std::clamp(origin.y, 0, std::max(0, image.rows - height));
    put(image, text, origin, height, color);
  }
};

Font& font() {
  static Font instance;
  return instance;
}

cv::Scalar color_of(size_t i) {
  static const cv::Scalar palette[] = {{230, 25, 75},  {60, 180, 75},  {0, 130, 200}, {245, 130, 48},
                                       {145, 30, 180}, {70, 240, 240}, {240, 50, 230}, {0, 128, 128}};
  return palette[i % (sizeof palette / sizeof palette[0])];
}

std::vector<cv::Point> to_points(const Polygon& polygon) {
  std::vector<cv::Point> points;
  for (const auto& p : polygon) points.emplace_back(cvRound(p.x), cvRound(p.y));
  return points;
}

}  // namespace

cv::Mat draw_detections(const cv::Mat& image, const DetectionResult& regions) {
  cv::Mat canvas = image.clone();
  for (size_t i = 0; i < regions.size(); ++i) {
    const auto points = to_points(regions[i].polygon);
    cv::polylines(canvas, points, true, color_of(i), 2, cv::LINE_AA);
    char label[16];
    std::snprintf(label, sizeof label, "%.2f", regions[i].score);
    if (!points.empty()) font().put_inside(canvas, label, {points[0].x, points[0].y - 16}, 14, color_of(i));
  }
  return canvas;
}

cv::Mat draw_recognition(const cv::Mat& image, const RecognizedText& text) {
  const int banner = std::max(32, image.rows / 3);
  cv::Mat canvas(image.rows + banner, std::max(image.cols, 240), CV_8UC3, cv::Scalar(255, 255, 255));
  image.copyTo(canvas(cv::Rect(0, 0, image.cols, image.rows)));
  char score[32];
  std::snprintf(score, sizeof score, "  (%.3f)", text.score);
  font().put_inside(canvas, text.text + score, {4, image.rows + banner / 6}, banner * 2 / 3, {0, 0, 0});
  return canvas;
}

cv::Mat draw_ocr(const cv::Mat& image, const OcrResult& items) {
  cv::Mat canvas(image.rows, image.cols * 2, CV_8UC3, cv::Scalar(255, 255, 255));
  cv::Mat left = canvas(cv::Rect(0, 0, image.cols, image.rows));
  cv::Mat right = canvas(cv::Rect(image.cols, 0, image.cols, image.rows));
  image.copyTo(left);
  for (size_t i = 0; i < items.size(); ++i) {
    const auto points = to_points(items[i].polygon);
    cv::polylines(left, points, true, color_of(i), 2, cv::LINE_AA);
    cv::polylines(right, points, true, color_of(i), 1, cv::LINE_AA);
    const cv::Rect box = cv::boundingRect(points);
    // The text fills its box's height, like the line it was read from, and stays on the panel.
    const int height = std::clamp(box.height * 4 / 5, 10, 120);
    font().put_inside(right, items[i].text, {box.x + 2, box.y + (box.height - height) / 2}, height, {0, 0, 0});
  }
  return canvas;
}

void write_png(const cv::Mat& image, const std::filesystem::path& path) {
  bool written = false;
  try {
    written = cv::imwrite(path.string(), image);
  } catch (const cv::Exception&) {
  }
  if (!written) throw Error(ErrorKind::bad_input, path.string() + ": cannot write the picture");
}

}  // namespace ocrserve
