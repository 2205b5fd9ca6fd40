#include "frontend/results/result_json.hpp"

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

Json angle_json(const AngleResult& result) { return {{"angle", result.angle}, {"score", result.score}}; }

Json result_json(const PipelineResult& result) {
  return std::visit(
      [](const auto& typed) -> Json {
        using Result = std::decay_t<decltype(typed)>;
        if constexpr (std::is_same_v<Result, DetectionResult>) return detection_json(typed);
        else if constexpr (std::is_same_v<Result, RecognizedText>) return recognition_json(typed);
        else if constexpr (std::is_same_v<Result, AngleResult>) return angle_json(typed);
        else return ocr_json(typed);
      },
      result);
}

}  // namespace ocrserve

#include "ocrserve/error.hpp"

namespace ocrserve {
namespace {

Polygon points_from(const Json& flat, size_t count) {
  Polygon polygon;
  for (size_t i = 0; i + 1 < count; i += 2) polygon.push_back({flat.at(i).get<float>(), flat.at(i + 1).get<float>()});
  return polygon;
}

template <typename Parse>
auto parse_or_throw(const Json& json, const char* shape, Parse parse) {
  try {
    return parse();
  } catch (const Json::exception&) {
    throw Error(ErrorKind::bad_input, std::string("expected ") + shape + ", got: " + json.dump().substr(0, 200));
  }
}

}  // namespace

DetectionResult detection_from_json(const Json& json) {
  return parse_or_throw(json, "{\"boundary_result\": [...]}", [&] {
    DetectionResult result;
    for (const auto& boundary : json.at("boundary_result")) {
      result.push_back({points_from(boundary, boundary.size() - 1), boundary.back().get<float>()});
    }
    return result;
  });
}

RecognizedText recognition_from_json(const Json& json) {
  return parse_or_throw(json, "{\"text\": ..., \"score\": ...}", [&] {
    return RecognizedText{json.at("text").get<std::string>(), json.at("score").get<float>(), {}};
  });
}

OcrResult ocr_from_json(const Json& json) {
  return parse_or_throw(json, "[{\"polygon\", \"det_score\", \"text\", \"score\"}, ...]", [&] {
    OcrResult result;
    for (const auto& item : json) {
      result.push_back({points_from(item.at("polygon"), item.at("polygon").size()), item.at("det_score").get<float>(),
                        item.at("text").get<std::string>(), item.at("score").get<float>()});
    }
    return result;
  });
}

}  // namespace ocrserve
