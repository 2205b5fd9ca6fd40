#pragma once
// The C++ SDK in one include: text detection, recognition, angle classification and end-to-end
// OCR on model packages (mmdeploy SDK model directories). See docs/sdk.md.
//
// The names mmdeploy's C++ API uses (mmdeploy::TextDetector, mmdeploy::TextRecognizer) are
// aliases of the pipeline classes, so code written against either reads the same.
#include "ocrserve/classifier.hpp"
#include "ocrserve/default_models.hpp"
#include "ocrserve/detector.hpp"
#include "ocrserve/error.hpp"
#include "ocrserve/ocr.hpp"
#include "ocrserve/recognizer.hpp"
#include "ocrserve/version.hpp"

namespace ocrserve {

using TextDetector = Detector;
using TextRecognizer = Recognizer;
using TextClassifier = Classifier;

}  // namespace ocrserve
