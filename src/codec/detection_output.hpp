#pragma once
// What every text detector's decoder does with the polygons it found, whatever the family:
// check the image geometry, map map-pixels to original-image pixels, put each polygon's
// vertices in the output order, and the polygons in reading order.
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "codec/codec.hpp"
#include "ocrserve/results.hpp"

namespace ocrserve {

// Error(internal) unless the original size and the scales are positive and finite.
void check_geometry(const ImageGeometry& geometry, const std::string& where);

// Map pixels to original-image pixels, in place: divide by downsample_ratio (map pixels per
// network-input pixel), take away the margin (Margin) and divide by the scale; padding sits
// right and below, so it moves nothing. Each
// vertex is clamped to the last pixel, [0, width - 1] x [0, height - 1], so that every vertex
// indexes a pixel of the image (as PaddleOCR's filter_tag_det_res). False if the polygon lies
// entirely in the padding or the margin, outside the image: the caller drops it.
bool to_original(std::vector<cv::Point2f>& vertices, double downsample_ratio, const ImageGeometry& geometry);

// Clockwise in image coordinates (y down), starting at the top-left-most vertex, whatever order
// the geometry routine produced them in.
Polygon clockwise_from_top_left(const std::vector<cv::Point2f>& points);

// Top-to-bottom, then left-to-right, by each polygon's first (top-left) vertex; stable.
void sort_in_reading_order(DetectionResult& result);

}  // namespace ocrserve
