#pragma once
// KServe's Open Inference Protocol (v2) for OCR, apart from its wire forms (JSON over REST,
// protobuf over gRPC): which tensors carry a request's images, and which named tensors carry
// the results. docs/kserve.md describes the mapping for users.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ocrserve/results.hpp"
#include "ocrserve/pipeline.hpp"

namespace ocrserve::kserve {

struct Tensor {
  std::string name;
  std::string datatype;            // "BYTES", "FP32" or "INT32" (what OCR needs)
  std::vector<int64_t> shape;
  std::vector<std::string> bytes;  // BYTES: one string per element
  std::vector<float> fp32;
  std::vector<int32_t> int32;

  // Elements the data holds, whichever its datatype.
  size_t size() const;
};

// A tensor's name, datatype and shape (-1 for a dimension that varies), for model metadata.
struct TensorMetadata {
  std::string name;
  std::string datatype;
  std::vector<int64_t> shape;
};

// The encoded images (PNG, JPEG, …) a request carries: every element of its BYTES inputs, in
// order. Error(bad_input) for an input of another datatype, a shape that does not match its
// data, or no image at all.
std::vector<std::string> input_images(const std::vector<Tensor>& inputs);

// The outputs for a batch of results (one per image, all of one kind). Rows of every image
// follow each other, and `image_index` says which image a row belongs to:
//   ocr:          texts BYTES [L], scores FP32 [L], det_scores FP32 [L], boxes FP32 [L, 8], image_index INT32 [L]
//   detection:    boxes FP32 [R, 8], scores FP32 [R], image_index INT32 [R]
//   recognition:  texts BYTES [N], scores FP32 [N]
//   angle:        angles INT32 [N] (0 or 180), scores FP32 [N]
// A box is the region's 4 corners x1, y1, …, x4, y4, clockwise from the top-left one. `requested`
// keeps only the outputs named, in that order; Error(bad_input) for a name the model has not.
std::vector<Tensor> output_tensors(PipelineKind kind, const std::vector<PipelineResult>& results,
                                   const std::vector<std::string>& requested = {});

// A tensor's data in v2's binary layout (REST's binary tensor extension, gRPC's raw contents):
// values little-endian, one after another; each BYTES element after its 4-byte little-endian length.
std::string raw_data(const Tensor& tensor);
// The BYTES elements of data in that layout; Error(bad_input) naming `where` when it ends inside
// a length or a length runs past the data.
std::vector<std::string> raw_bytes_elements(std::string_view data, const std::string& where);

// What a model takes and gives, for GET /v2/models/N and ModelMetadata.
std::vector<TensorMetadata> input_metadata();
std::vector<TensorMetadata> output_metadata(PipelineKind kind);

}  // namespace ocrserve::kserve
