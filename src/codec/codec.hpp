#pragma once
// Postprocessors ("codecs"): turn raw network outputs into results. Each family is registered
// by the component/type names mmdeploy writes in pipeline.json and built from its params.
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/json_file.hpp"
#include "core/tensor.hpp"
#include "ocrserve/results.hpp"

namespace ocrserve {

// Geometry of one preprocessed image, needed to map outputs back to the original image.
struct ImageGeometry {
  int original_width = 0;
  int original_height = 0;
  double scale_x = 1.0;  // network input pixels per original pixel
  double scale_y = 1.0;
  double offset_x = 0.0;  // network input pixels of margin left of the image (after scaling)
  double offset_y = 0.0;  // and above it
};

struct CodecContext {
  std::string where;                     // names the codec in error messages
  std::filesystem::path package_dir;     // for files the params name (dictionaries)
};

class DetectionCodec {
 public:
  virtual ~DetectionCodec() = default;
  // `outputs` are the network outputs for the whole batch; decode item `index`.
  virtual DetectionResult decode(const std::vector<Tensor>& outputs, size_t index,
                                 const ImageGeometry& geometry) const = 0;
};

class RecognitionCodec {
 public:
  virtual ~RecognitionCodec() = default;
  virtual RecognizedText decode(const std::vector<Tensor>& outputs, size_t index) const = 0;
};

class ClassificationCodec {
 public:
  virtual ~ClassificationCodec() = default;
  virtual AngleResult decode(const std::vector<Tensor>& outputs, size_t index) const = 0;
};

using DetectionCodecFactory =
    std::function<std::unique_ptr<DetectionCodec>(const Json& params, const CodecContext&)>;
using RecognitionCodecFactory =
    std::function<std::unique_ptr<RecognitionCodec>(const Json& params, const CodecContext&)>;
using ClassificationCodecFactory =
    std::function<std::unique_ptr<ClassificationCodec>(const Json& params, const CodecContext&)>;

struct CodecRegistration {
  CodecRegistration(const std::string& name, DetectionCodecFactory factory);
  CodecRegistration(const std::string& name, RecognitionCodecFactory factory);
  CodecRegistration(const std::string& name, ClassificationCodecFactory factory);
};

enum class CodecTask { detection, recognition, classification };

// The task a registered codec name belongs to; Error(unsupported) listing the known names.
CodecTask codec_task(const std::string& name, const std::string& where);
std::unique_ptr<DetectionCodec> make_detection_codec(const std::string& name, const Json& params,
                                                     const CodecContext& context);
std::unique_ptr<RecognitionCodec> make_recognition_codec(const std::string& name, const Json& params,
                                                         const CodecContext& context);
std::unique_ptr<ClassificationCodec> make_classification_codec(const std::string& name,
                                                               const Json& params,
                                                               const CodecContext& context);
std::vector<std::string> registered_codecs();

}  // namespace ocrserve
