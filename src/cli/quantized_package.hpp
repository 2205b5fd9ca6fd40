#pragma once
// `ocrserve package --quantize int8`: a package whose network runs in ONNX Runtime's int8 kernels.
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>


namespace ocrserve {

struct Int8Options {
  // Calibration: images like those the model will read (files, folders or patterns, as
  // `ocrserve infer` takes them), or ranges saved by an earlier calibration.
  std::vector<std::string> images;
  std::filesystem::path ranges;
  std::filesystem::path save_ranges;  // where to keep the calibrated ranges (empty: not kept)
  size_t max_images = 32;             // detection: images calibrated on, spread evenly over the list
  size_t max_crops = 400;             // recognition, angle: text lines, spread evenly
  // The first quantisable layers kept float (unset: none for a detector, 8 otherwise), and those
  // whose ranges leave out the 0.1% tails at each end (unset: 8 for a detector, none otherwise);
  // see docs/models.md. A recogniser's sequence part after its last pooling always stays float.
  std::optional<int> float_layers;
  std::optional<int> clipped_layers;
};

// Static int8 quantisation of a package's ONNX network, in place, calibrated through the
// package's own preprocessing in our ONNX Runtime:
// 1. the converter's `quantize prepare` writes an equivalent float network and a copy of it
//    that also outputs every tensor that may be quantised;
// 2. that copy runs over the calibration images (a detector) or the text lines the default
//    detector finds in them (a recogniser, an angle classifier); each tensor's range is the
//    mean over the inputs of its minimum and maximum;
// 3. `quantize qdq` writes int8 weights (per channel) and uint8 activations in QDQ form, which
//    replaces the package's network; detail.json records the precision.
// Prints how many of the network's convolutions and products ONNX Runtime runs in int8 kernels.
// Error(bad_input) for inputs that give nothing to calibrate on or ranges that do not fit the
// network, Error(not_found) without python3-onnx or the converter.
// Progress goes to `log`.
void quantize_package(const std::filesystem::path& package_dir, const Int8Options& options, std::ostream& log);

}  // namespace ocrserve
