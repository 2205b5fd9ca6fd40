// Package presets for the PP-OCRv4 ONNX models (PaddleOCR's own inference settings, written
// as mmdeploy transforms and postprocessor parameters).
#include "model/package_writer.hpp"
#include "ocrserve/error.hpp"

namespace ocrserve {
namespace {

// PaddleOCR normalises BGR pixels with ImageNet statistics in BGR order: (x/255 - m) / s.
const Json kDetNormalize = {{"type", "Normalize"},
                            {"mean", {123.675, 116.28, 103.53}},
                            {"std", {58.395, 57.12, 57.375}},
                            {"to_rgb", false}};
// Recognition and angle classification: x/127.5 - 1.
const Json kTextLineNormalize = {{"type", "Normalize"}, {"mean", {127.5, 127.5, 127.5}}, {"std", {127.5, 127.5, 127.5}}, {"to_rgb", false}};
const Json kCollect = {{"type", "Collect"}, {"keys", {"img"}}, {"meta_keys", {"ori_shape", "img_shape", "scale_factor"}}};

// Text lines: height 48, width by aspect ratio up to max_width, padded to at least pad_width.
Json text_line_transforms(int max_width, int pad_width) {
  return Json::array({{{"type", "LoadImageFromFile"}},
                      {{"type", "RescaleToHeight"}, {"height", 48}, {"min_width", 8}, {"max_width", max_width}, {"width_divisor", 1}},
                      kTextLineNormalize,
                      {{"type", "PadToWidth"}, {"width", pad_width}},
                      {{"type", "DefaultFormatBundle"}},
                      kCollect});
}

PackageSpec ppocr_det() {
  PackageSpec spec;
  spec.name = "ppocr-det";
  spec.task = "TextDetector";
  spec.codebase_task = "TextDetection";
  // Chosen by line accuracy on real receipts, forms and scenes (docs/benchmarks.md): a 32 px
  // margin of repeated edge pixels (text touching the edge is found), then only shrink so the
  // longest side is at most 1280 (PaddleOCR's 960 lost small print), then pad to a multiple of 32.
  spec.transforms = Json::array({{{"type", "LoadImageFromFile"}},
                                 {{"type", "Margin"}, {"size", 32}},
                                 {{"type", "Resize"}, {"scale", {1280, 1280}}, {"keep_ratio", true}, {"allow_upscale", false}},
                                 kDetNormalize,
                                 {{"type", "Pad"}, {"size_divisor", 32}},
                                 {{"type", "DefaultFormatBundle"}},
                                 kCollect});
  spec.component = "DBHead";
  // PaddleOCR's quad decoding: every contour point counts (epsilon_ratio 0; MMOCR's 0.01 shrank
  // long thin lines to two points and lost them). Lower thresholds than PaddleOCR's 0.3 / 0.6
  // keep faint and underlined print; its unclip 1.5 read plates and signs better than 2.0.
  spec.params = {{"text_repr_type", "quad"}, {"mask_thr", 0.1},         {"min_text_score", 0.3},
                 {"min_text_width", 3},      {"unclip_ratio", 1.5},     {"max_candidates", 1000},
                 {"epsilon_ratio", 0}};
  spec.source = "PP-OCRv4 detection (ch_PP-OCRv4_det_infer.onnx)";
  return spec;
}

PackageSpec ppocr_rec() {
  PackageSpec spec;
  spec.name = "ppocr-rec";
  spec.task = "TextRecognizer";
  spec.codebase_task = "TextRecognition";
  // rec_image_shape 3,48,320: padded to at least 320.
  spec.transforms = text_line_transforms(4800, 320);
  spec.component = "CTCConvertor";
  // latin_forms and space_gap: what this Chinese recogniser gets wrong in Latin text — full-width
  // punctuation, and spaces left out (receipt lines with the spacing of the truth: 72% → 79%).
  spec.params = {{"dict_file", "ppocr_keys_v1.txt"}, {"blank_first", true}, {"with_space", true},
                 {"apply_softmax", false},           {"latin_forms", true},  {"space_gap", 3}};
  spec.source = "PP-OCRv4 recognition (ch_PP-OCRv4_rec_infer.onnx)";
  return spec;
}

PackageSpec ppocr_cls() {
  PackageSpec spec;
  spec.name = "ppocr-cls";
  spec.task = "TextAngleClassifier";
  spec.codebase_task = "TextAngleClassification";
  // cls_image_shape 3,48,192.
  spec.transforms = text_line_transforms(192, 192);
  spec.component = "AngleClassifier";
  spec.params = {{"labels", {0, 180}}, {"threshold", 0.9}};
  spec.source = "PP-OCR mobile v2.0 angle classifier (ch_ppocr_mobile_v2.0_cls_infer.onnx)";
  return spec;
}

}  // namespace

std::vector<std::string> preset_names() { return {"ppocr-det", "ppocr-rec", "ppocr-cls"}; }

PackageSpec preset_spec(const std::string& preset) {
  if (preset == "ppocr-det") return ppocr_det();
  if (preset == "ppocr-rec") return ppocr_rec();
  if (preset == "ppocr-cls") return ppocr_cls();
  std::string known;
  for (const auto& name : preset_names()) known += (known.empty() ? "" : ", ") + name;
  throw Error(ErrorKind::not_found, "unknown preset \"" + preset + "\" (known: " + known + ")");
}

}  // namespace ocrserve
