// PSENet postprocessing, as MMOCR 1.x's PSEPostprocessor (which mmdeploy's PSEHead ports):
// the connected components of the smallest kernel seed the text instances, which grow over the
// text region; each instance becomes a quad or a polygon in original-image coordinates.
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "codec/detection_output.hpp"
#include "codec/text_region.hpp"

namespace ocrserve {
namespace {

constexpr int channels = 7;  // the text region, then kernels from the largest to the smallest
const char* const layout = "[N,7,H,W] (PSENet: text region logits, then 6 kernel logits, largest first)";

struct PseParams {
  RegionParams region;
  double min_kernel_area = 0;  // smallest-kernel components below it seed nothing
};

PseParams read_params(const Json& json, const RegionParams& defaults, const std::string& where) {
  const ParamReader reader(json, where);
  PseParams p{read_region_params(reader, defaults)};
  p.min_kernel_area = reader.number("min_kernel_area", p.min_kernel_area, 0, INFINITY);
  return p;
}

class PseCodec final : public DetectionCodec {
 public:
  PseCodec(PseParams params, std::string where) : p_(params), where_(std::move(where)) {}

  DetectionResult decode(const std::vector<Tensor>& outputs, size_t index,
                         const ImageGeometry& geometry) const override {
    check_geometry(geometry, where_);
    const std::vector<cv::Mat> logits = channel_maps(outputs, index, channels, layout, where_);
    const double confidence = p_.region.min_kernel_confidence;
    const cv::Mat score = sigmoid(logits[0]);
    const cv::Mat text = score > confidence;  // NaN is not text
    const cv::Mat smallest = (sigmoid(logits[channels - 1]) > confidence) & text;

    cv::Mat labels, stats, centroids;
    const int count = cv::connectedComponentsWithStats(smallest, labels, stats, centroids, 4, CV_32S);
    for (auto it = labels.begin<int>(); it != labels.end<int>(); ++it) {
      if (*it > 0 && stats.at<int>(*it, cv::CC_STAT_AREA) < p_.min_kernel_area) *it = 0;
    }
    // mmcv's contour_expand, which MMOCR calls, means to grow the seeds through kernels 5..0 in
    // turn, but its per-kernel offsets are never set, so every round reads channel 0: the seeds
    // grow breadth-first over the text region. So do we, for MMOCR's results; the middle
    // kernels are not used.
    grow_labels(labels, up_down_left_right, [&](cv::Point q, int) { return text.at<uchar>(q) != 0; });

    // MMOCR 1.x keeps an instance that is large enough OR confident enough (sic; MMOCR 0.x and
    // mmdeploy require both). Every text pixel scores above min_kernel_confidence, so with
    // MMOCR's defaults (0.5 > 0.3) no instance is ever dropped.
    const auto keep = [&](int area, double mean_score) {
      return area >= p_.region.min_text_area || mean_score > p_.region.score_threshold;
    };
    return detections_from_labels(labels, count, score, keep, p_.region, geometry);
  }

 private:
  PseParams p_;
  std::string where_;
};

DetectionCodecFactory factory(const char* name, RegionParams defaults) {
  return [name, defaults](const Json& params, const CodecContext& context) -> std::unique_ptr<DetectionCodec> {
    auto codec = std::make_unique<PseCodec>(read_params(params, defaults, context.where), context.where);
    if (std::string(name) == "PSEHead") {
      warn_if_sdk_defaults(name, params, context.where,
                           "For MMOCR's PSEPostprocessor values set them in pipeline.json, e.g. \"params\": "
                           "{\"min_text_avg_confidence\": 0.3, \"text_repr_type\": \"quad\"}");
    }
    return codec;
  };
}

// Defaults by name; the rest are RegionParams' (MMOCR's, which mmdeploy's SDK shares).
// PSEHead: mmdeploy writes it with `params: {}` when the model config has no postprocessor;
// its SDK then keeps instances averaging min_text_avg_confidence 0.85 and always gives quads
// (mmdeploy csrc/mmdeploy/codebase/mmocr/psenet.cpp). PSEPostprocessor: MMOCR 1.x's
// constructor (text_repr_type "poly", score_threshold 0.3).
const CodecRegistration pse_head("PSEHead", factory("PSEHead", {.quad = true, .score_threshold = 0.85}));
const CodecRegistration pse_postprocessor("PSEPostprocessor",
                                          factory("PSEPostprocessor", {.quad = false, .score_threshold = 0.3}));

}  // namespace
}  // namespace ocrserve
