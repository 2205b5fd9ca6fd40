#pragma once
// What the segmentation-based detectors (PSENet, PANet) share: their params, views of their
// logit maps, growing labelled kernels into text instances, and turning each instance's pixels
// into a quad or polygon in original-image coordinates.
#include <array>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "codec/codec.hpp"

namespace ocrserve {

// Reads params, refusing wrong types (booleans where numbers are wanted) and values out of
// range with an Error(bad_input) that names the field.
class ParamReader {
 public:
  ParamReader(const Json& params, std::string where);  // params: an object or null
  // The number under `key`, else under `alias` (mmdeploy's spelling) if only that is given,
  // else `fallback`; it must be finite and in [min, max].
  double number(const char* key, double fallback, double min, double max, const char* alias = nullptr) const;
  // text_repr_type: true for "quad", false for "poly".
  bool quad(bool fallback) const;

 private:
  bool has(const char* key) const;
  const Json& params_;
  std::string where_;
};

// The params PSENet and PANet share, under MMOCR's names, with MMOCR's defaults.
struct RegionParams {
  bool quad = false;                   // text_repr_type: "quad" (minimum-area rectangle) or "poly"
  double score_threshold = 0.3;        // instances whose mean text score exceeds it are confident
  double min_kernel_confidence = 0.5;  // kernel pixels: sigmoid above it
  double min_text_area = 16;           // instance pixels, on the map
  double downsample_ratio = 0.25;      // map pixels per network-input pixel
};
RegionParams read_region_params(const ParamReader& reader, RegionParams defaults);

// mmdeploy 1.x writes PSEHead and PANHead with "params": {}; its SDK then applies its own C++
// defaults (min_text_avg_confidence 0.85, quads), which are not the model config's. When
// `params` is empty (or null), says so with spdlog::warn, once per process for each `where`
// (the package's pipeline.json task) and component, with the params that give MMOCR's values
// (`advice`).
void warn_if_sdk_defaults(const std::string& component, const Json& params, const std::string& where,
                          const std::string& advice);

// Item `index` of outputs[0], which must be [N, channels, H, W], as one H x W view per channel.
// Error(internal) naming `layout` otherwise.
std::vector<cv::Mat> channel_maps(const std::vector<Tensor>& outputs, size_t index, int channels,
                                  const std::string& layout, const std::string& where);

cv::Mat sigmoid(const cv::Mat& logits);

// Neighbour orders of the reference breadth-first searches; the order decides which instance
// wins a pixel that two reach in the same step.
inline const std::array<cv::Point, 4> up_down_left_right{{{0, -1}, {0, 1}, {-1, 0}, {1, 0}}};
inline const std::array<cv::Point, 4> left_right_up_down{{{-1, 0}, {1, 0}, {0, -1}, {0, 1}}};

// Grows the labels (CV_32S, 0 = none) breadth-first into 4-neighbours with label 0 for which
// accept(pixel, label) holds; a pixel joins the first instance to reach it. Labelled pixels
// are queued in raster order, as the references queue their seeds.
template <typename Accept>
void grow_labels(cv::Mat& labels, const std::array<cv::Point, 4>& neighbours, Accept accept) {
  std::deque<cv::Point> queue;
  for (int y = 0; y < labels.rows; ++y) {
    for (int x = 0; x < labels.cols; ++x) {
      if (labels.at<int>(y, x) > 0) queue.emplace_back(x, y);
    }
  }
  const cv::Rect inside(0, 0, labels.cols, labels.rows);
  while (!queue.empty()) {
    const cv::Point p = queue.front();
    queue.pop_front();
    const int label = labels.at<int>(p);
    for (const cv::Point& step : neighbours) {
      const cv::Point q = p + step;
      if (!inside.contains(q) || labels.at<int>(q) != 0 || !accept(q, label)) continue;
      labels.at<int>(q) = label;
      queue.push_back(q);
    }
  }
}

// One detection per label 1..count-1 with pixels for which keep(area, mean score) holds: the
// pixels' minimum-area rectangle (quad) or outer contour (poly, dropped if under 4 vertices),
// mapped from the map to the original image and clipped to it, in reading order.
DetectionResult detections_from_labels(const cv::Mat& labels, int count, const cv::Mat& score,
                                       const std::function<bool(int area, double mean_score)>& keep,
                                       const RegionParams& params, const ImageGeometry& geometry);

}  // namespace ocrserve
