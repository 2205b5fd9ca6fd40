#pragma once
// Pictures of results, for `infer --show` and `compare`: polygons on the image, and for OCR the
// recognised text on a white panel beside it, at the place each line was found.
#include <filesystem>

#include <opencv2/core.hpp>

#include "ocrserve/results.hpp"

namespace ocrserve {

cv::Mat draw_detections(const cv::Mat& image, const DetectionResult& regions);
cv::Mat draw_recognition(const cv::Mat& image, const RecognizedText& text);
cv::Mat draw_ocr(const cv::Mat& image, const OcrResult& items);

// Error(bad_input) naming the path when it cannot be written.
void write_png(const cv::Mat& image, const std::filesystem::path& path);

}  // namespace ocrserve
