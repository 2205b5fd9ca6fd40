#include "codec/text_region.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <mutex>
#include <set>
#include <sstream>

#include <opencv2/imgproc.hpp>
#include <spdlog/spdlog.h>

#include "codec/detection_output.hpp"
#include "ocrserve/error.hpp"

namespace ocrserve {
namespace {

std::string format_number(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? "," : "") + std::to_string(shape[i]);
  return text + "]";
}

// The pixels' outer contour. Instances are 4-connected, so there is one (MMOCR takes the first).
std::vector<cv::Point2f> outer_contour(const std::vector<cv::Point>& pixels) {
  const cv::Rect box = cv::boundingRect(pixels);
  cv::Mat mask = cv::Mat::zeros(box.height, box.width, CV_8U);
  for (const cv::Point& p : pixels) mask.at<uchar>(p - box.tl()) = 255;
  std::vector<std::vector<cv::Point>> contours;
  cv::findContours(mask, contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE, box.tl());
  if (contours.empty()) return {};
  return {contours[0].begin(), contours[0].end()};
}

}  // namespace

ParamReader::ParamReader(const Json& params, std::string where) : params_(params), where_(std::move(where)) {
  if (!params.is_null() && !params.is_object()) {
    throw Error(ErrorKind::bad_input, where_ + ": params must be an object, got " + params.dump());
  }
}

bool ParamReader::has(const char* key) const {
  return params_.is_object() && params_.contains(key) && !params_.at(key).is_null();
}

double ParamReader::number(const char* key, double fallback, double min, double max, const char* alias) const {
  if (alias && !has(key) && has(alias)) key = alias;
  if (!has(key)) return fallback;
  const Json& value = params_.at(key);
  const std::string field = where_ + ": field \"" + key + "\" ";
  if (!value.is_number()) {
    throw Error(ErrorKind::bad_input, field + "must be a number, got " + value.type_name() + ": " + value.dump());
  }
  const double number = value.get<double>();
  if (!std::isfinite(number) || number < min || number > max) {
    const std::string rule = std::isfinite(max) ? "must be in [" + format_number(min) + ", " + format_number(max) + "]"
                                                : "must be a finite number >= " + format_number(min);
    throw Error(ErrorKind::bad_input, field + rule + ", got " + value.dump());
  }
  return number;
}

bool ParamReader::quad(bool fallback) const {
  const auto repr = optional_field<std::string>(params_, "text_repr_type", fallback ? "quad" : "poly", where_);
  if (repr != "quad" && repr != "poly") {
    throw Error(ErrorKind::bad_input,
                where_ + ": field \"text_repr_type\" must be \"quad\" or \"poly\", got \"" + repr + "\"");
  }
  return repr == "quad";
}

RegionParams read_region_params(const ParamReader& reader, RegionParams p) {
  constexpr double unbounded = INFINITY;
  p.quad = reader.quad(p.quad);
  p.score_threshold = reader.number("score_threshold", p.score_threshold, 0, 1, "min_text_avg_confidence");
  p.min_kernel_confidence = reader.number("min_kernel_confidence", p.min_kernel_confidence, 0, 1);
  p.min_text_area = reader.number("min_text_area", p.min_text_area, 0, unbounded);
  p.downsample_ratio = reader.number("downsample_ratio", p.downsample_ratio, 1e-3, 1e3);
  // "rescale" (mmdeploy) and "rescale_fields" (MMOCR) are not read: results are always in
  // original-image pixels.
  return p;
}

void warn_if_sdk_defaults(const std::string& component, const Json& params, const std::string& where,
                          const std::string& advice) {
  if (!params.is_null() && !(params.is_object() && params.empty())) return;
  static std::mutex mutex;
  static std::set<std::string> warned;
  {
    const std::lock_guard lock(mutex);
    if (!warned.insert(where + "\n" + component).second) return;
  }
  spdlog::warn("{}: {} has empty params, as mmdeploy 1.x writes it: mmdeploy SDK's defaults apply "
               "(instances need a mean text score of at least 0.85; quads), not the model config's "
               "MMOCR values (0.3). {}",
               where, component, advice);
}

std::vector<cv::Mat> channel_maps(const std::vector<Tensor>& outputs, size_t index, int channels,
                                  const std::string& layout, const std::string& where) {
  if (outputs.empty()) throw Error(ErrorKind::internal, where + ": the network returned no output");
  const Tensor& t = outputs.front();
  const bool shape_ok = t.shape.size() == 4 && t.shape[1] == channels &&
                        std::all_of(t.shape.begin(), t.shape.end(), [](int64_t d) { return d > 0; }) &&
                        t.shape[2] <= INT_MAX && t.shape[3] <= INT_MAX;
  if (!shape_ok) {
    throw Error(ErrorKind::internal,
                where + ": expected an output of shape " + layout + ", got " + shape_text(t.shape));
  }
  if (static_cast<int64_t>(t.data.size()) != Tensor::element_count(t.shape)) {
    throw Error(ErrorKind::internal, where + ": the output of shape " + shape_text(t.shape) + " holds " +
                                         std::to_string(t.data.size()) + " values");
  }
  if (static_cast<int64_t>(index) >= t.shape[0]) {
    throw Error(ErrorKind::internal, where + ": batch item " + std::to_string(index) +
                                         " is not in the output of shape " + shape_text(t.shape));
  }
  const int h = static_cast<int>(t.shape[2]), w = static_cast<int>(t.shape[3]);
  const int64_t plane = static_cast<int64_t>(h) * w;
  // cv::Mat has no const view; the maps are only read.
  float* item = const_cast<float*>(t.data.data()) + static_cast<int64_t>(index) * channels * plane;
  std::vector<cv::Mat> maps;
  for (int c = 0; c < channels; ++c) maps.emplace_back(h, w, CV_32F, item + c * plane);
  return maps;
}

cv::Mat sigmoid(const cv::Mat& logits) {
  // Element by element: cv::exp clamps its input and would make NaN a number (and maybe text).
  cv::Mat result(logits.size(), CV_32F);
  std::transform(logits.begin<float>(), logits.end<float>(), result.begin<float>(),
                 [](float x) { return 1.0f / (1.0f + std::exp(-x)); });
  return result;
}

DetectionResult detections_from_labels(const cv::Mat& labels, int count, const cv::Mat& score,
                                       const std::function<bool(int area, double mean_score)>& keep,
                                       const RegionParams& params, const ImageGeometry& geometry) {
  std::vector<std::vector<cv::Point>> pixels(static_cast<size_t>(std::max(count, 0)));
  std::vector<double> score_sum(pixels.size(), 0.0);
  for (int y = 0; y < labels.rows; ++y) {
    for (int x = 0; x < labels.cols; ++x) {
      const int label = labels.at<int>(y, x);
      if (label <= 0) continue;
      pixels[label].emplace_back(x, y);
      score_sum[label] += score.at<float>(y, x);
    }
  }

  DetectionResult result;
  for (size_t label = 1; label < pixels.size(); ++label) {
    const auto area = static_cast<int>(pixels[label].size());
    if (area == 0) continue;  // a kernel that seeded nothing
    const double mean_score = score_sum[label] / area;
    if (!keep(area, mean_score)) continue;
    std::vector<cv::Point2f> vertices;
    if (params.quad) {
      // As MMOCR, even a degenerate (one-pixel-wide) rectangle is a quad.
      vertices.resize(4);
      cv::minAreaRect(pixels[label]).points(vertices.data());
    } else {
      vertices = outer_contour(pixels[label]);
      if (vertices.size() < 4) continue;
    }
    if (!to_original(vertices, params.downsample_ratio, geometry)) continue;
    result.push_back({clockwise_from_top_left(vertices), static_cast<float>(mean_score)});
  }
  sort_in_reading_order(result);
  return result;
}

}  // namespace ocrserve
