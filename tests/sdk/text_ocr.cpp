// The C++ API as mmdeploy's C++ users write it (the shape of its demo/csrc/cpp/text_ocr.cxx):
// a detector and a recognizer made from package folders, applied to one image. Usage:
//   text_ocr DEVICE DET_MODEL_DIR REC_MODEL_DIR IMAGE
#include <cstdio>
#include <exception>

#include <opencv2/imgcodecs.hpp>

#include "ocrserve/ocrserve.hpp"

int main(int argc, char* argv[]) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s device_name det_model_path rec_model_path image_path\n", argv[0]);
    return 1;
  }
  const cv::Mat img = cv::imread(argv[4]);
  if (img.empty()) {
    std::fprintf(stderr, "failed to load image: %s\n", argv[4]);
    return 1;
  }
  try {
    ocrserve::BackendOptions backend;
    backend.device = argv[1];
    backend.intra_op_threads = ocrserve::default_inference_threads();
    ocrserve::TextDetector detector(argv[2], backend);
    ocrserve::TextRecognizer recognizer(argv[3], backend);

    const ocrserve::DetectionResult regions = detector.detect({img}).front();
    std::vector<ocrserve::Polygon> polygons;
    for (const auto& region : regions) polygons.push_back(region.polygon);
    const std::vector<ocrserve::RecognizedText> texts = recognizer.recognize(img, polygons);

    std::printf("bbox_count=%zu\n", regions.size());
    for (size_t i = 0; i < regions.size(); ++i) {
      std::printf("box[%zu]: %s\n", i, texts[i].text.c_str());
      for (const auto& pt : regions[i].polygon) std::printf("x: %.2f, y: %.2f, ", pt.x, pt.y);
      std::printf("\n");
    }
  } catch (const ocrserve::Error& error) {
    std::fprintf(stderr, "ocrserve: %s (%s)\n", error.what(), ocrserve::to_string(error.kind()));
    return 1;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "error: %s\n", error.what());
    return 1;
  }
  return 0;
}
