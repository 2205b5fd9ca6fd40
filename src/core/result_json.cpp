#include "core/result_json.hpp"

namespace ocrserve {
namespace {

Json flat_points(const Polygon& polygon) {
  Json points = Json::array();
  for (const auto& p : polygon) {
    points.push_back(p.x);
    points.push_back(p.y);
  }
  return points;
}

}  // namespace

Json detection_json(const DetectionResult& result) {
  Json boundaries = Json::array();
  for (const auto& region : result) {
    Json boundary = flat_points(region.polygon);
    boundary.push_back(region.score);
    boundaries.push_back(std::move(boundary));
  }
  return {{"boundary_result", std::move(boundaries)}};
}

Json recognition_json(const RecognizedText& result) { return {{"text", result.text}, {"score", result.score}}; }

Json ocr_json(const OcrResult& result) {
  Json items = Json::array();
  for (const auto& item : result) {
    items.push_back({{"polygon", flat_points(item.polygon)},
                     {"det_score", item.det_score},
                     {"text", item.text},
                     {"score", item.score}});
  }
  return items;
}

}  // namespace ocrserve
