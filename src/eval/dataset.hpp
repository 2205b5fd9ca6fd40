#pragma once
// Evaluation data sets in the formats users have (docs/evaluation.md): MMOCR 1.x annotation
// JSON (textdet / textrecog), ICDAR 2015 ground-truth folders, and image<TAB>text lists.
#include <filesystem>
#include <string>
#include <vector>

#include "eval/metrics.hpp"

namespace ocrserve {

struct DetectionSample {
  std::filesystem::path image;
  std::vector<TruthRegion> regions;
  bool has_text = false;  // transcriptions known (ICDAR txt, or MMOCR instances with "text")
  bool has_boxes = true;  // false for a transcription list: lines without places (line accuracy only)
};

struct RecognitionSample {
  std::filesystem::path image;
  std::string text;
};

// A .json file (MMOCR textdet), a folder of gt_<image>.txt files (beside the images, or gt/
// beside images/), or a transcription list: image<TAB>line[<TAB>line…] rows, one image's lines
// on one row or on several, images relative to the list or in images/ beside it.
std::vector<DetectionSample> load_detection_dataset(const std::filesystem::path& path);
// A .json file (MMOCR textrecog) or a text file of image<TAB>text lines (paths relative to it).
std::vector<RecognitionSample> load_recognition_dataset(const std::filesystem::path& path);

// One ICDAR 2015 ground-truth file: x1,y1,…,x4,y4,transcription ("###" = don't care; BOM allowed).
std::vector<TruthRegion> read_icdar_ground_truth(const std::filesystem::path& file);

}  // namespace ocrserve
