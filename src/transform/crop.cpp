#include "transform/crop.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include <opencv2/imgproc.hpp>

namespace ocrserve {

std::array<cv::Point2f, 4> text_region_quad(const Polygon& polygon) {
  std::array<cv::Point2f, 4> quad;
  if (polygon.size() == 4) {
    for (size_t i = 0; i < 4; ++i) quad[i] = {polygon[i].x, polygon[i].y};
    return quad;
  }
  std::vector<cv::Point2f> points;
  for (const auto& p : polygon) points.emplace_back(p.x, p.y);
  cv::minAreaRect(points).points(quad.data());
  // Top-left has the smallest x+y, bottom-right the largest; of the other two, top-right has
  // the smaller y-x.
  std::sort(quad.begin(), quad.end(), [](auto a, auto b) { return a.x + a.y < b.x + b.y; });
  if (quad[1].y - quad[1].x > quad[2].y - quad[2].x) std::swap(quad[1], quad[2]);
  return {quad[0], quad[1], quad[3], quad[2]};
}

Polygon quadrilateral(const Polygon& polygon) {
  if (polygon.size() < 3) return Polygon(4);
  Polygon corners;
  for (const cv::Point2f& corner : text_region_quad(polygon)) corners.push_back({corner.x, corner.y});
  return corners;
}

namespace {

float distance(cv::Point2f a, cv::Point2f b) { return std::hypot(a.x - b.x, a.y - b.y); }

}  // namespace

cv::Mat crop_text_region(const cv::Mat& image, const Polygon& polygon) {
  if (polygon.size() < 3) return {};
  const auto quad = text_region_quad(polygon);
  const int width = std::max(1, static_cast<int>(std::lround(std::max(distance(quad[0], quad[1]), distance(quad[3], quad[2])))));
  const int height = std::max(1, static_cast<int>(std::lround(std::max(distance(quad[0], quad[3]), distance(quad[1], quad[2])))));
  const std::array<cv::Point2f, 4> target = {cv::Point2f(0, 0), cv::Point2f(width, 0),
                                             cv::Point2f(width, height), cv::Point2f(0, height)};
  const cv::Mat transform = cv::getPerspectiveTransform(quad.data(), target.data());
  cv::Mat crop;
  cv::warpPerspective(image, crop, transform, {width, height}, cv::INTER_CUBIC, cv::BORDER_REPLICATE);
  if (crop.rows >= 1.5 * crop.cols) cv::rotate(crop, crop, cv::ROTATE_90_COUNTERCLOCKWISE);
  return crop;
}

}  // namespace ocrserve
