#pragma once
// Reads the ground truth of ../shared/data for integration tests, and matches boxes by IoU.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include "ocrserve/results.hpp"

namespace ocrserve::test {

inline const std::filesystem::path kData = OCRSERVE_DATA_DIR "/mmocr";
inline const std::filesystem::path kModels = OCRSERVE_MODELS_DIR;

struct GroundTruthBox {
  Polygon polygon;
  std::string text;
  bool dont_care = false;  // "###" in ICDAR 2015
};

// ICDAR 2015 gt_img_N.txt: x1,y1,…,x4,y4,transcription (the transcription may hold commas).
inline std::vector<GroundTruthBox> read_icdar_gt(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<GroundTruthBox> boxes;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::stringstream fields(line);
    GroundTruthBox box;
    std::string value;
    for (int i = 0; i < 8; ++i) {
      std::getline(fields, value, ',');
      if (i % 2 == 0) box.polygon.push_back({std::stof(value), 0});
      else box.polygon.back().y = std::stof(value);
    }
    std::getline(fields, box.text);
    box.dont_care = box.text == "###";
    boxes.push_back(box);
  }
  return boxes;
}

inline double polygon_iou(const Polygon& a, const Polygon& b) {
  auto to_cv = [](const Polygon& p) {
    std::vector<cv::Point2f> points;
    for (const auto& v : p) points.emplace_back(v.x, v.y);
    std::vector<cv::Point2f> hull;
    cv::convexHull(points, hull);
    return hull;
  };
  const auto pa = to_cv(a), pb = to_cv(b);
  std::vector<cv::Point2f> intersection;
  const double inter = cv::intersectConvexConvex(pa, pb, intersection);
  const double uni = cv::contourArea(pa) + cv::contourArea(pb) - inter;
  return uni > 0 ? inter / uni : 0.0;
}

// Care boxes matched one-to-one by a detection at IoU >= 0.5 (greedy by IoU).
inline int matched_boxes(const std::vector<GroundTruthBox>& truth, const DetectionResult& detected) {
  std::vector<bool> used(detected.size(), false);
  int matched = 0;
  for (const auto& box : truth) {
    if (box.dont_care) continue;
    int best = -1;
    double best_iou = 0.5;
    for (size_t i = 0; i < detected.size(); ++i) {
      const double iou = polygon_iou(box.polygon, detected[i].polygon);
      if (!used[i] && iou >= best_iou) best = static_cast<int>(i), best_iou = iou;
    }
    if (best >= 0) used[best] = true, ++matched;
  }
  return matched;
}

}  // namespace ocrserve::test

namespace ocrserve::test {

inline std::string slurp_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

inline std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::toupper(c); });
  return text;
}

inline size_t utf8_length(const std::string& text) {
  return std::count_if(text.begin(), text.end(), [](unsigned char c) { return (c & 0xC0) != 0x80; });
}

}  // namespace ocrserve::test
