// PANet postprocessing, as MMOCR 1.x's PANPostprocessor (which mmdeploy's PANHead ports): the
// connected components of the kernel map grow over the text region into pixels whose embedding
// lies near the kernel's mean embedding (mmcv's pixel_group); each instance becomes a quad or
// a polygon in original-image coordinates.
#include <array>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "codec/detection_output.hpp"
#include "codec/text_region.hpp"

namespace ocrserve {
namespace {

constexpr int channels = 6;  // text, kernel, then the embedding
constexpr int embedding_size = channels - 2;
const char* const layout = "[N,6,H,W] (PANet: text logits, kernel logits, 4 embedding channels)";

struct PanParams {
  RegionParams region;
  double min_text_confidence = 0.5;  // text pixels: sigmoid above it
  double distance_threshold = 3.0;   // a pixel joins a kernel closer than this in embedding space
};

PanParams read_params(const Json& json, const RegionParams& defaults, const std::string& where) {
  const ParamReader reader(json, where);
  PanParams p{read_region_params(reader, defaults)};
  p.min_text_confidence = reader.number("min_text_confidence", p.min_text_confidence, 0, 1);
  p.distance_threshold = reader.number("distance_threshold", p.distance_threshold, 0, INFINITY);
  return p;
}

class PanCodec final : public DetectionCodec {
 public:
  PanCodec(PanParams params, std::string where) : p_(params), where_(std::move(where)) {}

  DetectionResult decode(const std::vector<Tensor>& outputs, size_t index,
                         const ImageGeometry& geometry) const override {
    check_geometry(geometry, where_);
    const std::vector<cv::Mat> logits = channel_maps(outputs, index, channels, layout, where_);
    const cv::Mat score = sigmoid(logits[0]);
    const cv::Mat text = score > p_.min_text_confidence;  // NaN is not text
    const cv::Mat kernel = (sigmoid(logits[1]) > p_.region.min_kernel_confidence) & text;
    cv::Mat labels;
    const int count = cv::connectedComponents(kernel, labels, 4, CV_32S);

    using Embedding = std::array<double, embedding_size>;
    auto embedding_at = [&](cv::Point p) {
      Embedding e;
      for (int d = 0; d < embedding_size; ++d) e[d] = logits[2 + d].at<float>(p);
      return e;
    };
    std::vector<Embedding> centre(static_cast<size_t>(count), Embedding{});
    std::vector<int> kernel_area(static_cast<size_t>(count), 0);
    for (int y = 0; y < labels.rows; ++y) {
      for (int x = 0; x < labels.cols; ++x) {
        const int label = labels.at<int>(y, x);
        if (label == 0) continue;
        const Embedding e = embedding_at({x, y});
        for (int d = 0; d < embedding_size; ++d) centre[label][d] += e[d];
        ++kernel_area[label];
      }
    }
    for (int label = 1; label < count; ++label) {
      for (double& v : centre[label]) v /= kernel_area[label];
    }

    // pixel_group queues only the kernels' contour pixels; queueing every kernel pixel grows
    // the same, as a pixel inside a kernel has no unlabelled neighbour.
    const double limit = p_.distance_threshold * p_.distance_threshold;
    grow_labels(labels, left_right_up_down, [&](cv::Point q, int label) {
      if (!text.at<uchar>(q)) return false;
      const Embedding e = embedding_at(q);
      double squared = 0;
      for (int d = 0; d < embedding_size; ++d) squared += (e[d] - centre[label][d]) * (e[d] - centre[label][d]);
      return squared < limit;  // NaN is far
    });

    const auto keep = [&](int area, double mean_score) {
      return area >= p_.region.min_text_area && mean_score > p_.region.score_threshold;
    };
    return detections_from_labels(labels, count, score, keep, p_.region, geometry);
  }

 private:
  PanParams p_;
  std::string where_;
};

DetectionCodecFactory factory(const char* name, RegionParams defaults) {
  return [name, defaults](const Json& params, const CodecContext& context) -> std::unique_ptr<DetectionCodec> {
    auto codec = std::make_unique<PanCodec>(read_params(params, defaults, context.where), context.where);
    if (std::string(name) == "PANHead") {
      warn_if_sdk_defaults(name, params, context.where,
                           "For MMOCR's PANPostprocessor values set them in pipeline.json, e.g. \"params\": "
                           "{\"min_text_avg_confidence\": 0.3, \"text_repr_type\": \"quad\"}");
    }
    return codec;
  };
}

// Defaults by name; the rest are RegionParams' and PanParams' (MMOCR's).
// PANHead: mmdeploy writes it with `params: {}` when the model config has no postprocessor;
// its SDK then keeps instances averaging min_text_avg_confidence 0.85 and always gives quads
// (mmdeploy csrc/mmdeploy/codebase/mmocr/panet.cpp). The SDK also passes that 0.85 to
// pixel_group as the distance threshold, a mix-up we do not copy: MMOCR's 3.0 it is.
// PANPostprocessor: MMOCR 1.x's constructor (text_repr_type "poly", score_threshold 0.3).
const CodecRegistration pan_head("PANHead", factory("PANHead", {.quad = true, .score_threshold = 0.85}));
const CodecRegistration pan_postprocessor("PANPostprocessor",
                                          factory("PANPostprocessor", {.quad = false, .score_threshold = 0.3}));

}  // namespace
}  // namespace ocrserve
