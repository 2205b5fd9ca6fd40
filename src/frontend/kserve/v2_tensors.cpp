#include "frontend/kserve/v2_tensors.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <variant>

#include "ocrserve/error.hpp"

namespace ocrserve::kserve {
namespace {

// The elements a shape holds; -1 for a negative dimension or a product past int64.
int64_t shape_elements(const std::vector<int64_t>& shape) {
  int64_t count = 1;
  for (const int64_t dimension : shape) {
    if (dimension < 0 || (dimension > 0 && count > std::numeric_limits<int64_t>::max() / dimension)) return -1;
    count *= dimension;
  }
  return count;
}

void add_box(std::vector<float>& boxes, const Polygon& polygon) {
  for (const Point& corner : quadrilateral(polygon)) {
    boxes.push_back(corner.x);
    boxes.push_back(corner.y);
  }
}

Tensor bytes_tensor(const char* name, std::vector<std::string> values) {
  Tensor tensor{name, "BYTES", {static_cast<int64_t>(values.size())}, std::move(values), {}, {}};
  return tensor;
}

Tensor fp32_tensor(const char* name, std::vector<float> values, int64_t row = 1) {
  std::vector<int64_t> shape{static_cast<int64_t>(values.size()) / row};
  if (row > 1) shape.push_back(row);
  return Tensor{name, "FP32", std::move(shape), {}, std::move(values), {}};
}

Tensor int32_tensor(const char* name, std::vector<int32_t> values) {
  return Tensor{name, "INT32", {static_cast<int64_t>(values.size())}, {}, {}, std::move(values)};
}

std::vector<Tensor> all_outputs(PipelineKind kind, const std::vector<PipelineResult>& results) {
  std::vector<std::string> texts;
  std::vector<float> scores, det_scores, boxes;
  std::vector<int32_t> image_index, angles;
  for (size_t image = 0; image < results.size(); ++image) {
    const auto index = static_cast<int32_t>(image);
    if (const auto* ocr = std::get_if<OcrResult>(&results[image])) {
      for (const OcrItem& line : *ocr) {
        texts.push_back(line.text);
        scores.push_back(line.score);
        det_scores.push_back(line.det_score);
        add_box(boxes, line.polygon);
        image_index.push_back(index);
      }
    } else if (const auto* detection = std::get_if<DetectionResult>(&results[image])) {
      for (const DetectedText& region : *detection) {
        scores.push_back(region.score);
        add_box(boxes, region.polygon);
        image_index.push_back(index);
      }
    } else if (const auto* text = std::get_if<RecognizedText>(&results[image])) {
      texts.push_back(text->text);
      scores.push_back(text->score);
    } else if (const auto* angle = std::get_if<AngleResult>(&results[image])) {
      angles.push_back(angle->angle);
      scores.push_back(angle->score);
    }
  }
  switch (kind) {
    case PipelineKind::ocr:
      return {bytes_tensor("texts", std::move(texts)), fp32_tensor("scores", std::move(scores)),
              fp32_tensor("det_scores", std::move(det_scores)), fp32_tensor("boxes", std::move(boxes), 8),
              int32_tensor("image_index", std::move(image_index))};
    case PipelineKind::detection:
      return {fp32_tensor("boxes", std::move(boxes), 8), fp32_tensor("scores", std::move(scores)),
              int32_tensor("image_index", std::move(image_index))};
    case PipelineKind::recognition:
      return {bytes_tensor("texts", std::move(texts)), fp32_tensor("scores", std::move(scores))};
    case PipelineKind::angle:
      return {int32_tensor("angles", std::move(angles)), fp32_tensor("scores", std::move(scores))};
  }
  return {};
}

}  // namespace

size_t Tensor::size() const {
  if (datatype == "BYTES") return bytes.size();
  if (datatype == "INT32") return int32.size();
  return fp32.size();
}

std::vector<std::string> input_images(const std::vector<Tensor>& inputs) {
  std::vector<std::string> images;
  for (const Tensor& input : inputs) {
    if (input.datatype != "BYTES") {
      throw Error(ErrorKind::bad_input, "input \"" + input.name + "\" is " + input.datatype +
                                            ": ocrserve takes images as BYTES tensors, one encoded image (PNG, JPEG, "
                                            "…) per element");
    }
    if (shape_elements(input.shape) != static_cast<int64_t>(input.bytes.size())) {
      throw Error(ErrorKind::bad_input, "input \"" + input.name + "\" holds " + std::to_string(input.bytes.size()) +
                                            " elements, which does not match its shape");
    }
    images.insert(images.end(), input.bytes.begin(), input.bytes.end());
  }
  if (images.empty()) throw Error(ErrorKind::bad_input, "the request has no image: send a BYTES input with one");
  return images;
}

std::vector<Tensor> output_tensors(PipelineKind kind, const std::vector<PipelineResult>& results,
                                   const std::vector<std::string>& requested) {
  std::vector<Tensor> outputs = all_outputs(kind, results);
  if (requested.empty()) return outputs;
  std::vector<Tensor> chosen;
  for (const std::string& name : requested) {
    auto found = std::find_if(outputs.begin(), outputs.end(), [&](const Tensor& t) { return t.name == name; });
    if (found == outputs.end()) {
      std::string names;
      for (const Tensor& output : outputs) names += (names.empty() ? "" : ", ") + output.name;
      throw Error(ErrorKind::bad_input, "the model has no output \"" + name + "\" (it has " + names + ")");
    }
    chosen.push_back(*found);
  }
  return chosen;
}

std::string raw_data(const Tensor& tensor) {
  std::string raw;
  const auto append_le32 = [&raw](uint32_t value) {
    for (int shift = 0; shift < 32; shift += 8) raw.push_back(static_cast<char>((value >> shift) & 0xff));
  };
  if (tensor.datatype == "BYTES") {
    for (const std::string& element : tensor.bytes) {
      append_le32(static_cast<uint32_t>(element.size()));
      raw += element;
    }
  } else if (tensor.datatype == "INT32") {
    for (const int32_t value : tensor.int32) append_le32(static_cast<uint32_t>(value));
  } else {
    for (const float value : tensor.fp32) {
      uint32_t bits;
      std::memcpy(&bits, &value, sizeof bits);
      append_le32(bits);
    }
  }
  return raw;
}

std::vector<std::string> raw_bytes_elements(std::string_view data, const std::string& where) {
  std::vector<std::string> elements;
  while (!data.empty()) {
    if (data.size() < 4) throw Error(ErrorKind::bad_input, where + ": binary data ends inside an element's 4-byte length");
    const auto* b = reinterpret_cast<const unsigned char*>(data.data());
    const uint32_t length = uint32_t{b[0]} | uint32_t{b[1]} << 8 | uint32_t{b[2]} << 16 | uint32_t{b[3]} << 24;
    data.remove_prefix(4);
    if (length > data.size()) {
      throw Error(ErrorKind::bad_input, where + ": a binary element of " + std::to_string(length) +
                                            " bytes runs past its data (" + std::to_string(data.size()) + " remain)");
    }
    elements.emplace_back(data.substr(0, length));
    data.remove_prefix(length);
  }
  return elements;
}

std::vector<TensorMetadata> input_metadata() { return {{"images", "BYTES", {-1}}}; }

std::vector<TensorMetadata> output_metadata(PipelineKind kind) {
  std::vector<TensorMetadata> outputs;
  for (const Tensor& output : all_outputs(kind, {})) {
    std::vector<int64_t> shape = output.shape;
    shape[0] = -1;
    outputs.push_back({output.name, output.datatype, std::move(shape)});
  }
  return outputs;
}

}  // namespace ocrserve::kserve
