#pragma once
// Cuts a text region out of an image as an upright rectangle, for the recogniser.
#include <array>

#include <opencv2/core.hpp>

#include "ocrserve/results.hpp"

namespace ocrserve {

// Perspective-warps the polygon's quadrilateral (its own 4 points, or the minimum-area
// rectangle of a longer polygon) to an axis-aligned crop. A crop at least 1.5 times taller than
// wide is rotated 90° counter-clockwise, so vertical text lines reach the recogniser lying down.
cv::Mat crop_text_region(const cv::Mat& image, const Polygon& polygon);

// The quadrilateral crop_text_region cuts: a 4-point polygon as it is (detector output is
// clockwise from the top-left), else the minimum-area rectangle ordered top-left, top-right,
// bottom-right, bottom-left. The polygon has at least 3 points.
std::array<cv::Point2f, 4> text_region_quad(const Polygon& polygon);

}  // namespace ocrserve
