#include "codec/detection_output.hpp"

#include <algorithm>
#include <cmath>
#include <tuple>

#include "ocrserve/error.hpp"

namespace ocrserve {

void check_geometry(const ImageGeometry& g, const std::string& where) {
  const bool ok = g.original_width > 0 && g.original_height > 0 && std::isfinite(g.scale_x) &&
                  std::isfinite(g.scale_y) && g.scale_x > 0 && g.scale_y > 0;
  if (!ok) {
    throw Error(ErrorKind::internal, where + ": invalid image geometry " + std::to_string(g.original_width) + "x" +
                                         std::to_string(g.original_height) + " at scale " +
                                         std::to_string(g.scale_x) + ", " + std::to_string(g.scale_y));
  }
}

bool to_original(std::vector<cv::Point2f>& vertices, double downsample_ratio, const ImageGeometry& g) {
  const auto max_x = static_cast<float>(g.original_width - 1);
  const auto max_y = static_cast<float>(g.original_height - 1);
  float left = max_x + 1, top = max_y + 1, right = -1, bottom = -1;
  for (auto& v : vertices) {
    const auto x = static_cast<float>((v.x / downsample_ratio - g.offset_x) / g.scale_x);
    const auto y = static_cast<float>((v.y / downsample_ratio - g.offset_y) / g.scale_y);
    left = std::min(left, x), right = std::max(right, x);
    top = std::min(top, y), bottom = std::max(bottom, y);
    v = {std::clamp(x, 0.0f, max_x), std::clamp(y, 0.0f, max_y)};
  }
  return left <= max_x && top <= max_y && right >= 0 && bottom >= 0;
}

Polygon clockwise_from_top_left(const std::vector<cv::Point2f>& points) {
  Polygon polygon;
  for (const auto& p : points) polygon.push_back({p.x, p.y});
  double twice_area = 0;
  for (size_t i = 0; i < polygon.size(); ++i) {
    const Point& a = polygon[i];
    const Point& b = polygon[(i + 1) % polygon.size()];
    twice_area += static_cast<double>(a.x) * b.y - static_cast<double>(b.x) * a.y;
  }
  if (twice_area < 0) std::reverse(polygon.begin(), polygon.end());  // was counter-clockwise
  const auto first = std::min_element(polygon.begin(), polygon.end(),
                                      [](const Point& a, const Point& b) { return a.x + a.y < b.x + b.y; });
  std::rotate(polygon.begin(), first, polygon.end());
  return polygon;
}

void sort_in_reading_order(DetectionResult& result) {
  std::stable_sort(result.begin(), result.end(), [](const DetectedText& a, const DetectedText& b) {
    return std::tie(a.polygon[0].y, a.polygon[0].x) < std::tie(b.polygon[0].y, b.polygon[0].x);
  });
}

}  // namespace ocrserve
