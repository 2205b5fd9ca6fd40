#pragma once
// What the pipelines return. Coordinates are pixels of the original image.
#include <string>
#include <variant>
#include <vector>

namespace ocrserve {

struct Point {
  float x = 0;
  float y = 0;
};

// A closed polygon, vertices clockwise in image coordinates (y down), first vertex top-left-most.
using Polygon = std::vector<Point>;

// The 4 corners of a region, clockwise from its top-left one: a 4-point polygon as it is (the
// detectors' boxes), else its minimum-area rectangle; 4 points at the origin for fewer than 3
// points. The quadrilateral recognition cuts out, and what the C and Python APIs hand out.
Polygon quadrilateral(const Polygon& polygon);

struct DetectedText {
  Polygon polygon;
  float score = 0;  // mean text probability inside the polygon
};

struct RecognizedText {
  std::string text;                // UTF-8
  float score = 0;                 // mean of char_scores (0 for empty text)
  std::vector<float> char_scores;  // one per decoded character
};

struct AngleResult {
  int angle = 0;  // 0 or 180
  float score = 0;
};

struct OcrItem {
  Polygon polygon;
  float det_score = 0;
  std::string text;
  float score = 0;  // recognition score
};

using DetectionResult = std::vector<DetectedText>;
using OcrResult = std::vector<OcrItem>;

// What any pipeline gives for one image.
using PipelineResult = std::variant<DetectionResult, RecognizedText, AngleResult, OcrResult>;

}  // namespace ocrserve
