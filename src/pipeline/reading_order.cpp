#include "pipeline/reading_order.hpp"

#include <algorithm>
#include <limits>
#include <numeric>

namespace ocrserve {
namespace {

struct Extent {
  float top = std::numeric_limits<float>::max();
  float bottom = std::numeric_limits<float>::lowest();
  float left = std::numeric_limits<float>::max();
};

Extent extent_of(const Polygon& polygon) {
  Extent extent;
  for (const auto& p : polygon) {
    extent.top = std::min(extent.top, p.y);
    extent.bottom = std::max(extent.bottom, p.y);
    extent.left = std::min(extent.left, p.x);
  }
  return extent;
}

bool same_line(const Extent& line, const Extent& item) {
  const float overlap = std::min(line.bottom, item.bottom) - std::max(line.top, item.top);
  const float smaller = std::min(line.bottom - line.top, item.bottom - item.top);
  return overlap >= 0.5f * std::max(smaller, 1.0f);
}

}  // namespace

std::vector<size_t> reading_order(const std::vector<Polygon>& polygons) {
  std::vector<Extent> extents;
  for (const auto& polygon : polygons) extents.push_back(extent_of(polygon));
  std::vector<size_t> by_top(polygons.size());
  std::iota(by_top.begin(), by_top.end(), 0);
  std::stable_sort(by_top.begin(), by_top.end(), [&](size_t a, size_t b) { return extents[a].top < extents[b].top; });

  std::vector<size_t> order;
  order.reserve(polygons.size());
  size_t line_start = 0;
  Extent line;
  for (size_t i = 0; i < by_top.size(); ++i) {
    const Extent& item = extents[by_top[i]];
    if (i > line_start && !same_line(line, item)) {
      std::stable_sort(by_top.begin() + line_start, by_top.begin() + i,
                       [&](size_t a, size_t b) { return extents[a].left < extents[b].left; });
      line_start = i;
    }
    if (i == line_start) {
      line = item;
    } else {
      line.top = std::min(line.top, item.top);
      line.bottom = std::max(line.bottom, item.bottom);
    }
  }
  std::stable_sort(by_top.begin() + line_start, by_top.end(),
                   [&](size_t a, size_t b) { return extents[a].left < extents[b].left; });
  return by_top;
}

}  // namespace ocrserve
