#pragma once
// Output polygons are clockwise in image coordinates (y down) and start at the top-left-most
// vertex, whatever order the geometry routine produced them in.
#include <algorithm>
#include <vector>

#include <opencv2/core.hpp>

#include "ocrserve/results.hpp"

namespace ocrserve {

inline Polygon clockwise_from_top_left(const std::vector<cv::Point2f>& points) {
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

}  // namespace ocrserve
