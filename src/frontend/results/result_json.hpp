#pragma once
// The JSON shapes of results, shared by the CLI and the server so they never drift apart.
// Detection and recognition follow MMOCR's TorchServe handler; OCR is ours (docs/serving.md).
#include "core/json_file.hpp"
#include "ocrserve/results.hpp"

namespace ocrserve {

// {"boundary_result": [[x1, y1, …, xn, yn, score], …]}
Json detection_json(const DetectionResult& result);
// {"text": "...", "score": s}
Json recognition_json(const RecognizedText& result);
// [{"polygon": [x1, y1, …], "det_score": s, "text": "...", "score": s}, …]
Json ocr_json(const OcrResult& result);
// {"angle": 0|180, "score": s}
Json angle_json(const AngleResult& result);
// Whichever of the above `result` holds.
Json result_json(const PipelineResult& result);

}  // namespace ocrserve

namespace ocrserve {

// The inverses, for results that come back from a server. Error(bad_input) on another shape.
DetectionResult detection_from_json(const Json& json);
RecognizedText recognition_from_json(const Json& json);
OcrResult ocr_from_json(const Json& json);

}  // namespace ocrserve
