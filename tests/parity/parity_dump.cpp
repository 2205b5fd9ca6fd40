// parity_dump PACKAGE IMAGE OUT_DIR: runs one image through a model package the way the SDK
// does and writes what a PyTorch-side check needs: the network input (input.npy), its first
// output (output.npy) and the decoded result with the image geometry (result.json).
// tools/convert/tests/test_parity.py feeds input.npy to the PyTorch network and compares.
#include <cstdint>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include <opencv2/imgcodecs.hpp>

#include "codec/codec.hpp"
#include "core/json_file.hpp"
#include "ocrserve/error.hpp"
#include "pipeline/model.hpp"

namespace {

using ocrserve::Json;
using ocrserve::Tensor;

// NumPy's .npy format, version 1.0, little-endian float32, C order.
void write_npy(const std::filesystem::path& path, const Tensor& tensor) {
  std::ostringstream shape;
  for (int64_t dim : tensor.shape) shape << dim << ", ";
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + shape.str() + "), }";
  const size_t unpadded = 10 + header.size() + 1;  // magic, version, length, header, newline
  header.append((64 - unpadded % 64) % 64, ' ');
  header.push_back('\n');
  std::ofstream out(path, std::ios::binary);
  out.write("\x93NUMPY\x01\x00", 8);
  const uint16_t length = static_cast<uint16_t>(header.size());
  out.put(static_cast<char>(length & 0xff));
  out.put(static_cast<char>(length >> 8));
  out << header;
  out.write(reinterpret_cast<const char*>(tensor.data.data()),
            static_cast<std::streamsize>(tensor.data.size() * sizeof(float)));
  if (!out) throw ocrserve::Error(ocrserve::ErrorKind::internal, path.string() + ": cannot write");
}

Json decode(const ocrserve::Model& model, const std::vector<Tensor>& outputs, const ocrserve::Sample& sample) {
  const ocrserve::ModelPackage& package = model.package();
  if (model.task() == ocrserve::CodecTask::detection) {
    const auto codec = ocrserve::make_detection_codec(package.codec, package.codec_params, model.codec_context());
    const ocrserve::ImageGeometry geometry{sample.original_size.width, sample.original_size.height, sample.scale_x,
                                           sample.scale_y};
    Json boxes = Json::array();
    for (const auto& detected : codec->decode(outputs, 0, geometry)) {
      Json points = Json::array();
      for (const auto& point : detected.polygon) points.insert(points.end(), {point.x, point.y});
      boxes.push_back({{"points", points}, {"score", detected.score}});
    }
    return {{"detections", boxes}};
  }
  const auto codec = ocrserve::make_recognition_codec(package.codec, package.codec_params, model.codec_context());
  const ocrserve::RecognizedText text = codec->decode(outputs, 0);
  return {{"text", text.text}, {"score", text.score}, {"char_scores", text.char_scores}};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: parity_dump PACKAGE IMAGE OUT_DIR\n";
    return 2;
  }
  try {
    ocrserve::Model model(argv[1], ocrserve::BackendOptions{});
    const cv::Mat image = cv::imread(argv[2], cv::IMREAD_COLOR);
    if (image.empty()) throw ocrserve::Error(ocrserve::ErrorKind::bad_input, std::string(argv[2]) + ": cannot read");
    std::vector<ocrserve::Sample> samples;
    const Tensor input = model.preprocess({image}, samples);
    const std::vector<Tensor> outputs = model.run(input);
    const std::filesystem::path out_dir = argv[3];
    std::filesystem::create_directories(out_dir);
    write_npy(out_dir / "input.npy", input);
    write_npy(out_dir / "output.npy", outputs.at(0));
    const ocrserve::Sample& sample = samples.front();
    Json result = decode(model, outputs, sample);
    result["scale"] = {sample.scale_x, sample.scale_y};
    result["original_size"] = {sample.original_size.width, sample.original_size.height};
    std::ofstream(out_dir / "result.json") << result.dump(2) << '\n';
  } catch (const std::exception& error) {
    std::cerr << "parity_dump: " << error.what() << '\n';
    return 1;
  }
  return 0;
}
