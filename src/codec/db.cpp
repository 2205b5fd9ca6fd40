// DBNet postprocessing, as MMOCR 1.x's DBPostprocessor (mmocr/models/textdet/postprocessors/
// db_postprocessor.py) decodes, under its own name and under DBHead, the component mmdeploy
// writes: threshold the probability map, score each contour on the map, expand it by the
// unclip distance with Clipper, and fit a quadrilateral (or keep the polygon). Coordinates are
// mapped back to the original image and clipped to it.
#include <polyclipping/clipper.hpp>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>

#include <opencv2/imgproc.hpp>

#include "codec/codec.hpp"
#include "codec/detection_output.hpp"
#include "ocrserve/error.hpp"

namespace ocrserve {
namespace {

struct DbParams {
  bool quad = true;
  double mask_thr = 0.3;
  double min_text_score = 0.3;
  double min_text_width = 5;    // short side of the fitted rectangle (quads only), in map pixels
  double unclip_ratio = 1.5;
  double epsilon_ratio = 0.01;  // approxPolyDP tolerance as a fraction of the contour length
  int64_t contours_read = 3000; // how many contours are looked at, in findContours order
  double downsample_ratio = 1;  // probability-map pixels per network-input pixel (mmdeploy)
};

// The contour limit has two spellings with two meanings. MMOCR's "max_candidates" N reads
// N + 1 contours (db_postprocessor.py breaks on `i > self.max_candidates`); mmdeploy's SDK
// DBHead reads "max_candidate" N as N contours (csrc/mmdeploy/codebase/mmocr/dbnet.cpp). Each
// name keeps its own meaning; without either, the component's reference decides: 3000 + 1 for
// DBPostprocessor (MMOCR's default), 3000 for DBHead (the SDK's, what it reads with the empty
// params mmdeploy 1.x writes).
enum class Reference { mmocr, sdk };

// A number-valued field; unlike a plain get<double>() it refuses booleans ("mask_thr": true).
double number_field(const Json& params, const char* key, double fallback, const std::string& where) {
  if (!params.is_object() || !params.contains(key) || params.at(key).is_null()) return fallback;
  const Json& value = params.at(key);
  if (!value.is_number()) {
    throw Error(ErrorKind::bad_input, where + ": field \"" + key + "\" must be a number, got " +
                                          value.type_name() + ": " + value.dump());
  }
  return value.get<double>();
}

DbParams read_params(const Json& params, Reference reference, const std::string& where) {
  if (!params.is_null() && !params.is_object()) {
    throw Error(ErrorKind::bad_input, where + ": params must be an object, got " + params.dump());
  }
  DbParams p;
  const auto repr = optional_field<std::string>(params, "text_repr_type", reference == Reference::sdk ? "quad" : "poly", where);
  if (repr != "quad" && repr != "poly") {
    throw Error(ErrorKind::bad_input,
                where + ": field \"text_repr_type\" must be \"quad\" or \"poly\", got \"" + repr + "\"");
  }
  p.quad = repr == "quad";
  p.mask_thr = number_field(params, "mask_thr", p.mask_thr, where);
  p.min_text_score = number_field(params, "min_text_score", p.min_text_score, where);
  p.min_text_width = number_field(params, "min_text_width", p.min_text_width, where);
  p.unclip_ratio = number_field(params, "unclip_ratio", p.unclip_ratio, where);
  // MMOCR 0.x called the approximation tolerance arcLength_ratio; the 1.x name wins if both are given.
  const bool old_name = params.contains("arcLength_ratio") && !params.contains("epsilon_ratio");
  const char* epsilon_key = old_name ? "arcLength_ratio" : "epsilon_ratio";
  p.epsilon_ratio = number_field(params, epsilon_key, p.epsilon_ratio, where);
  // mmdeploy's DBHead reads the singular "max_candidate"; MMOCR's "max_candidates" wins if both are given.
  const bool singular = params.contains("max_candidate") && !params.contains("max_candidates");
  const char* max_candidates_key = singular ? "max_candidate" : "max_candidates";
  const double max_candidates = number_field(params, max_candidates_key, 3000, where);
  p.downsample_ratio = number_field(params, "downsample_ratio", p.downsample_ratio, where);
  const bool mmocr_count = singular ? false : (params.contains("max_candidates") || reference == Reference::mmocr);

  auto check = [&](bool ok, const char* field, const char* rule) {
    if (!ok) {
      throw Error(ErrorKind::bad_input,
                  where + ": field \"" + field + "\" " + rule + ", got " + params.at(field).dump());
    }
  };
  check(p.mask_thr >= 0 && p.mask_thr <= 1, "mask_thr", "must be in [0, 1]");
  check(p.min_text_score >= 0 && p.min_text_score <= 1, "min_text_score", "must be in [0, 1]");
  check(p.min_text_width >= 0 && p.min_text_width < 1e6, "min_text_width", "must be in [0, 1e6)");
  check(p.unclip_ratio >= 0 && p.unclip_ratio <= 100, "unclip_ratio", "must be in [0, 100]");
  check(p.epsilon_ratio >= 0 && p.epsilon_ratio < 1, epsilon_key, "must be in [0, 1)");
  check(max_candidates >= 0 && max_candidates <= INT_MAX && std::floor(max_candidates) == max_candidates,
        max_candidates_key, "must be a non-negative integer");
  check(p.downsample_ratio > 0 && p.downsample_ratio <= 1e3, "downsample_ratio", "must be in (0, 1000]");
  p.contours_read = static_cast<int64_t>(max_candidates) + (mmocr_count ? 1 : 0);
  return p;
}

// Scratch space reused across the contours of one decode call, so scoring and approximating
// a contour allocates nothing once the buffers have grown.
struct Scratch {
  std::vector<cv::Point> approx;
  std::vector<uchar> mask;
  ClipperLib::Path path;
  ClipperLib::Paths solution;
};

// Mean probability inside the polygon (its boundary pixels included, as cv::fillPoly draws
// them), computed on the polygon's bounding box only.
double mean_inside(const cv::Mat& prob, const std::vector<cv::Point>& polygon, Scratch& scratch) {
  const cv::Rect box = cv::boundingRect(polygon) & cv::Rect(0, 0, prob.cols, prob.rows);
  if (box.empty()) return 0.0;
  scratch.mask.assign(static_cast<size_t>(box.area()), 0);
  cv::Mat mask(box.size(), CV_8U, scratch.mask.data());
  const cv::Point* points = polygon.data();
  const int count = static_cast<int>(polygon.size());
  cv::fillPoly(mask, &points, &count, 1, cv::Scalar(1), cv::LINE_8, 0, -box.tl());
  return cv::mean(prob(box), mask)[0];
}

// Expands the polygon outwards by area * ratio / perimeter (DB's "unclip") with round joins.
// Empty unless the offset is exactly one polygon of at least 3 points: an approximated contour
// that crosses itself can come out in several pieces, and a notch can close into a hole (an
// outer path and a hole path). MMOCR drops such a region ("If the result polygon does not
// exist, or it is split into multiple polygons, skip it", db_postprocessor.py) and so does
// mmdeploy's SDK (dbnet.cpp: `if (dst.size() != 1) return {}`); so do we.
std::vector<cv::Point> unclip(const std::vector<cv::Point>& polygon, double ratio, Scratch& scratch) {
  const double area = std::fabs(cv::contourArea(polygon));
  const double perimeter = cv::arcLength(polygon, true);
  if (area <= 0 || perimeter <= 0) return {};
  scratch.path.clear();
  for (const auto& p : polygon) scratch.path.emplace_back(p.x, p.y);
  ClipperLib::ClipperOffset offset;  // default miter limit 2 and arc tolerance 0.25, as pyclipper
  offset.AddPath(scratch.path, ClipperLib::jtRound, ClipperLib::etClosedPolygon);
  scratch.solution.clear();
  offset.Execute(scratch.solution, area * ratio / perimeter);
  std::vector<cv::Point> result;
  if (scratch.solution.size() != 1 || scratch.solution.front().size() < 3) return result;
  const ClipperLib::Path& piece = scratch.solution.front();
  result.reserve(piece.size());
  for (const auto& p : piece) result.emplace_back(static_cast<int>(p.X), static_cast<int>(p.Y));
  return result;
}

class DbCodec final : public DetectionCodec {
 public:
  DbCodec(DbParams params, std::string where) : p_(params), where_(std::move(where)) {}

  DetectionResult decode(const std::vector<Tensor>& outputs, size_t index,
                         const ImageGeometry& geometry) const override {
    check_geometry(geometry, where_);
    const cv::Mat prob = probability_map(outputs, index);
    cv::Mat binary;
    cv::compare(prob, p_.mask_thr, binary, cv::CMP_GT);  // 255 where prob > mask_thr; NaN is not text
    std::vector<std::vector<cv::Point>> contours;
    // RETR_LIST as MMOCR, mmdeploy and PaddleOCR: hole boundaries are candidates too and are
    // normally dropped by their low mean probability.
    cv::findContours(binary, contours, cv::RETR_LIST, cv::CHAIN_APPROX_SIMPLE);

    DetectionResult result;
    Scratch scratch;
    const size_t candidates = static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(contours.size()), p_.contours_read));
    for (size_t i = 0; i < candidates; ++i) {
      // Both modes approximate first (MMOCR): fewer vertices for the score and the offset.
      cv::approxPolyDP(contours[i], scratch.approx, p_.epsilon_ratio * cv::arcLength(contours[i], true), true);
      if (scratch.approx.size() < 4) continue;
      const double score = mean_inside(prob, scratch.approx, scratch);
      if (!(score >= p_.min_text_score)) continue;  // also drops NaN
      const std::vector<cv::Point> expanded = unclip(scratch.approx, p_.unclip_ratio, scratch);
      if (expanded.empty()) continue;
      std::vector<cv::Point2f> vertices;
      if (p_.quad) {
        // The width rule is the quads' (MMOCR: `min(rect[1]) >= self.min_text_width`); a
        // polygon is kept whatever its width, as MMOCR keeps it.
        const cv::RotatedRect rect = cv::minAreaRect(expanded);
        if (std::min(rect.size.width, rect.size.height) < p_.min_text_width) continue;
        vertices.resize(4);
        rect.points(vertices.data());
      } else {
        if (expanded.size() < 4) continue;  // MMOCR: `if len(poly) < 8` (flattened)
        vertices.assign(expanded.begin(), expanded.end());
      }
      if (!to_original(vertices, p_.downsample_ratio, geometry)) continue;
      result.push_back({clockwise_from_top_left(vertices), static_cast<float>(score)});
    }
    sort_in_reading_order(result);
    return result;
  }

 private:
  // A view of item `index`'s probability map: [N,1,H,W], [N,C,H,W] (channel 0) or [N,H,W].
  cv::Mat probability_map(const std::vector<Tensor>& outputs, size_t index) const {
    if (outputs.empty()) throw Error(ErrorKind::internal, where_ + ": the network returned no output");
    const Tensor& t = outputs.front();
    auto shape_text = [&] {
      std::string text = "[";
      for (size_t i = 0; i < t.shape.size(); ++i) text += (i ? "," : "") + std::to_string(t.shape[i]);
      return text + "]";
    };
    const size_t rank = t.shape.size();
    const bool dims_ok = (rank == 3 || rank == 4) &&
                         std::all_of(t.shape.begin(), t.shape.end(), [](int64_t d) { return d > 0; }) &&
                         t.shape[rank - 2] <= INT_MAX && t.shape[rank - 1] <= INT_MAX;
    if (!dims_ok) {
      throw Error(ErrorKind::internal, where_ + ": expected a probability map of shape [N,1,H,W] or [N,H,W], got " +
                                           shape_text());
    }
    if (static_cast<int64_t>(t.data.size()) != Tensor::element_count(t.shape)) {
      throw Error(ErrorKind::internal, where_ + ": the probability map of shape " + shape_text() + " holds " +
                                           std::to_string(t.data.size()) + " values");
    }
    const int64_t n = t.shape[0], h = t.shape[rank - 2], w = t.shape[rank - 1];
    const int64_t channels = rank == 4 ? t.shape[1] : 1;
    if (static_cast<int64_t>(index) >= n) {
      throw Error(ErrorKind::internal, where_ + ": batch item " + std::to_string(index) +
                                           " is not in the probability map of shape " + shape_text());
    }
    // cv::Mat has no const view; the map is only read.
    float* data = const_cast<float*>(t.data.data()) + static_cast<int64_t>(index) * channels * h * w;
    return cv::Mat(static_cast<int>(h), static_cast<int>(w), CV_32F, data);
  }

  DbParams p_;
  std::string where_;
};

DetectionCodecFactory factory(Reference reference) {
  return [reference](const Json& params, const CodecContext& context) -> std::unique_ptr<DetectionCodec> {
    return std::make_unique<DbCodec>(read_params(params, reference, context.where), context.where);
  };
}

// Defaults by name. DBHead: the SDK's (dbnet.cpp), which is what a package with the empty
// params mmdeploy 1.x writes gets: quads, at most 3000 contours. DBPostprocessor: MMOCR's
// constructor: "poly", 3000 + 1 contours (MMOCR's DBNet configs set text_repr_type "quad").
// The thresholds are the same under both names: mask_thr 0.3, min_text_score 0.3,
// min_text_width 5, unclip_ratio 1.5, epsilon 0.01.
const CodecRegistration db_head("DBHead", factory(Reference::sdk));
const CodecRegistration db_postprocessor("DBPostprocessor", factory(Reference::mmocr));

}  // namespace
}  // namespace ocrserve
