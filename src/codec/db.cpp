// DBNet postprocessing, as MMOCR's DBPostprocessor and mmdeploy's DBHead: threshold the
// probability map, score each contour on the map, expand it by the unclip distance with
// Clipper, and fit a quadrilateral (or keep the polygon).
#include <polyclipping/clipper.hpp>

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "codec/codec.hpp"
#include "codec/polygon_order.hpp"
#include "ocrserve/error.hpp"

namespace ocrserve {
namespace {

struct DbParams {
  bool quad = true;
  float mask_thr = 0.3f;
  float min_text_score = 0.3f;
  float min_text_width = 5.0f;
  float unclip_ratio = 1.5f;
  float epsilon_ratio = 0.01f;
  int max_candidates = 3000;
};

DbParams read_params(const Json& params, const std::string& where) {
  DbParams p;
  const auto repr = optional_field<std::string>(params, "text_repr_type", "quad", where);
  if (repr != "quad" && repr != "poly") {
    throw Error(ErrorKind::bad_input, where + ": field \"text_repr_type\" must be \"quad\" or \"poly\", got \"" + repr + "\"");
  }
  p.quad = repr == "quad";
  p.mask_thr = optional_field<float>(params, "mask_thr", p.mask_thr, where);
  p.min_text_score = optional_field<float>(params, "min_text_score", p.min_text_score, where);
  p.min_text_width = optional_field<float>(params, "min_text_width", p.min_text_width, where);
  p.unclip_ratio = optional_field<float>(params, "unclip_ratio", p.unclip_ratio, where);
  // MMOCR 0.x called the approximation tolerance arcLength_ratio.
  p.epsilon_ratio = optional_field<float>(params, "arcLength_ratio", p.epsilon_ratio, where);
  p.epsilon_ratio = optional_field<float>(params, "epsilon_ratio", p.epsilon_ratio, where);
  p.max_candidates = optional_field<int>(params, "max_candidates", p.max_candidates, where);
  auto check = [&](bool ok, const char* field, const char* rule) {
    if (!ok) throw Error(ErrorKind::bad_input, where + ": field \"" + field + "\" " + rule);
  };
  check(p.mask_thr >= 0 && p.mask_thr < 1, "mask_thr", "must be in [0, 1)");
  check(p.min_text_score >= 0 && p.min_text_score <= 1, "min_text_score", "must be in [0, 1]");
  check(p.min_text_width >= 0, "min_text_width", "must not be negative");
  check(p.unclip_ratio >= 0, "unclip_ratio", "must not be negative");
  check(p.epsilon_ratio >= 0, "epsilon_ratio", "must not be negative");
  check(p.max_candidates > 0, "max_candidates", "must be positive");
  return p;
}

// Mean probability inside the polygon, computed on its bounding box only.
float polygon_score(const cv::Mat& prob, const std::vector<cv::Point>& polygon) {
  const cv::Rect box = cv::boundingRect(polygon) & cv::Rect(0, 0, prob.cols, prob.rows);
  if (box.empty()) return 0.0f;
  cv::Mat mask = cv::Mat::zeros(box.size(), CV_8U);
  std::vector<cv::Point> shifted;
  shifted.reserve(polygon.size());
  for (const auto& p : polygon) shifted.emplace_back(p.x - box.x, p.y - box.y);
  cv::fillPoly(mask, std::vector<std::vector<cv::Point>>{shifted}, cv::Scalar(1));
  return static_cast<float>(cv::mean(prob(box), mask)[0]);
}

// Expands the polygon outwards by area * ratio / perimeter (DB's "unclip"); the largest piece.
std::vector<cv::Point> unclip(const std::vector<cv::Point>& polygon, float ratio) {
  const double area = std::fabs(cv::contourArea(polygon));
  const double perimeter = cv::arcLength(polygon, true);
  if (perimeter <= 0) return {};
  ClipperLib::Path path;
  for (const auto& p : polygon) path.push_back({p.x, p.y});
  ClipperLib::ClipperOffset offset;
  offset.AddPath(path, ClipperLib::jtRound, ClipperLib::etClosedPolygon);
  ClipperLib::Paths solution;
  offset.Execute(solution, area * ratio / perimeter);
  const ClipperLib::Path* largest = nullptr;
  double largest_area = 0;
  for (const auto& piece : solution) {
    const double piece_area = std::fabs(ClipperLib::Area(piece));
    if (piece_area > largest_area) largest = &piece, largest_area = piece_area;
  }
  std::vector<cv::Point> result;
  if (largest) {
    for (const auto& p : *largest) result.emplace_back(static_cast<int>(p.X), static_cast<int>(p.Y));
  }
  return result;
}

class DbCodec final : public DetectionCodec {
 public:
  explicit DbCodec(DbParams params) : p_(params) {}

  DetectionResult decode(const std::vector<Tensor>& outputs, size_t index, const ImageGeometry& geometry) const override {
    const cv::Mat prob = probability_map(outputs, index);
    cv::Mat mask = prob > p_.mask_thr;
    std::vector<std::vector<cv::Point>> contours;
    cv::findContours(mask, contours, cv::RETR_LIST, cv::CHAIN_APPROX_SIMPLE);

    DetectionResult result;
    const size_t candidates = std::min(contours.size(), static_cast<size_t>(p_.max_candidates));
    for (size_t i = 0; i < candidates; ++i) {
      std::vector<cv::Point> approx;
      cv::approxPolyDP(contours[i], approx, p_.epsilon_ratio * cv::arcLength(contours[i], true), true);
      if (approx.size() < 4) continue;
      const float score = polygon_score(prob, approx);
      if (score < p_.min_text_score) continue;
      const std::vector<cv::Point> expanded = unclip(approx, p_.unclip_ratio);
      if (expanded.size() < 4) continue;

      std::vector<cv::Point2f> vertices;
      if (p_.quad) {
        const cv::RotatedRect rect = cv::minAreaRect(expanded);
        if (std::min(rect.size.width, rect.size.height) < p_.min_text_width) continue;
        vertices.resize(4);
        rect.points(vertices.data());
      } else {
        for (const auto& p : expanded) vertices.emplace_back(static_cast<float>(p.x), static_cast<float>(p.y));
      }
      result.push_back({to_original(vertices, geometry), score});
    }
    std::stable_sort(result.begin(), result.end(), [](const DetectedText& a, const DetectedText& b) {
      return std::tie(a.polygon[0].y, a.polygon[0].x) < std::tie(b.polygon[0].y, b.polygon[0].x);
    });
    return result;
  }

 private:
  // A view of item `index`'s probability map: [N,1,H,W], [N,C,H,W] (channel 0) or [N,H,W].
  static cv::Mat probability_map(const std::vector<Tensor>& outputs, size_t index) {
    if (outputs.empty()) throw Error(ErrorKind::internal, "DBHead: the network returned no output");
    const Tensor& t = outputs.front();
    if (t.shape.size() != 3 && t.shape.size() != 4) {
      throw Error(ErrorKind::internal, "DBHead: expected a [N,1,H,W] probability map, got rank " + std::to_string(t.shape.size()));
    }
    const int64_t n = t.shape[0], h = t.shape[t.shape.size() - 2], w = t.shape[t.shape.size() - 1];
    const int64_t channels = t.shape.size() == 4 ? t.shape[1] : 1;
    if (static_cast<int64_t>(index) >= n || h <= 0 || w <= 0 || channels <= 0) {
      throw Error(ErrorKind::internal, "DBHead: batch item " + std::to_string(index) + " is not in the output");
    }
    float* data = const_cast<float*>(t.data.data()) + index * channels * h * w;
    return cv::Mat(static_cast<int>(h), static_cast<int>(w), CV_32F, data);
  }

  // Network-input pixels to original pixels, clipped to the image (last pixel index inclusive).
  static Polygon to_original(const std::vector<cv::Point2f>& vertices, const ImageGeometry& g) {
    std::vector<cv::Point2f> scaled;
    const float max_x = std::max(0, g.original_width - 1), max_y = std::max(0, g.original_height - 1);
    for (const auto& v : vertices) {
      scaled.emplace_back(std::clamp(static_cast<float>(v.x / g.scale_x), 0.0f, max_x),
                          std::clamp(static_cast<float>(v.y / g.scale_y), 0.0f, max_y));
    }
    return clockwise_from_top_left(scaled);
  }

  DbParams p_;
};

DetectionCodecFactory factory() {
  return [](const Json& params, const CodecContext& context) -> std::unique_ptr<DetectionCodec> {
    return std::make_unique<DbCodec>(read_params(params, context.where));
  };
}

const CodecRegistration db_head("DBHead", factory());
const CodecRegistration db_postprocessor("DBPostprocessor", factory());

}  // namespace
}  // namespace ocrserve
