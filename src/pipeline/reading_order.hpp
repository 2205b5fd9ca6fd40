#pragma once
// Orders text regions as a reader would: lines top to bottom, left to right within a line.
#include <vector>

#include "ocrserve/results.hpp"

namespace ocrserve {

// Indexes of `polygons` in reading order. Two regions are on one line when their vertical
// extents overlap by at least half the height of the smaller one.
std::vector<size_t> reading_order(const std::vector<Polygon>& polygons);

}  // namespace ocrserve
