#pragma once
// Accuracy metrics as the OCR benchmarks define them: ICDAR 2015 detection precision / recall /
// hmean with "don't care" regions, MMOCR's word accuracy and character error rate, and
// end-to-end word spotting.
#include <string>
#include <vector>

#include "ocrserve/results.hpp"

namespace ocrserve {

struct TruthRegion {
  Polygon polygon;
  std::string text;
  bool ignore = false;  // "###" in ICDAR 2015, "ignore": true in MMOCR 1.x
};

// Intersection over union of two simple polygons (either may be non-convex).
double polygon_iou(const Polygon& a, const Polygon& b);

struct DetectionCounts {
  size_t truth = 0;      // care regions
  size_t detected = 0;   // detections not discarded as matching a don't-care region
  size_t matched = 0;    // one-to-one matches at IoU >= threshold
  DetectionCounts& operator+=(const DetectionCounts& other) {
    truth += other.truth, detected += other.detected, matched += other.matched;
    return *this;
  }
  double precision() const { return detected ? static_cast<double>(matched) / detected : (truth ? 0.0 : 1.0); }
  double recall() const { return truth ? static_cast<double>(matched) / truth : 1.0; }
  double hmean() const {
    const double p = precision(), r = recall();
    return p + r > 0 ? 2 * p * r / (p + r) : 0.0;
  }
};

// One image, ICDAR 2015 protocol: a detection that lies over half inside a don't-care region
// is dropped (neither helps nor hurts); the rest are matched one-to-one with the care regions,
// best IoU first, at IoU >= `iou_threshold`. `text_equal` (optional) must also hold for a match:
// that makes it end-to-end word spotting.
using TextEqual = bool (*)(const std::string& truth, const std::string& predicted);
DetectionCounts match_detections(const std::vector<TruthRegion>& truth, const std::vector<Polygon>& detected,
                                 double iou_threshold = 0.5, const std::vector<std::string>* predicted_texts = nullptr,
                                 TextEqual text_equal = nullptr);

// MMOCR's "ignore case symbol" (WordMetric's valid_symbol '[^A-Z^a-z^0-9^\u4e00-\u9fa5]' after
// lower()): ASCII letters (lower-cased), digits, "^" (a literal in that class) and the CJK
// ideographs U+4E00–U+9FA5 are kept; everything else goes, separators such as the plate dot "·",
// "-", "/" and spaces included.
std::string ignore_case_symbol(const std::string& text);
bool equal_ignoring_case_symbol(const std::string& truth, const std::string& predicted);

// Levenshtein distance over Unicode code points (UTF-8 input).
size_t edit_distance(const std::string& a, const std::string& b);
size_t utf8_length(const std::string& text);

struct RecognitionCounts {
  size_t words = 0;
  size_t exact = 0;              // predicted == truth
  size_t ignore_case_symbol = 0; // equal after ignore_case_symbol
  size_t edits = 0;              // edit distance summed over words
  size_t characters = 0;         // truth characters summed
  RecognitionCounts& operator+=(const RecognitionCounts& other) {
    words += other.words, exact += other.exact, ignore_case_symbol += other.ignore_case_symbol;
    edits += other.edits, characters += other.characters;
    return *this;
  }
  void add(const std::string& truth, const std::string& predicted);
  double word_accuracy() const { return words ? static_cast<double>(exact) / words : 0.0; }
  double word_accuracy_ignore_case_symbol() const { return words ? static_cast<double>(ignore_case_symbol) / words : 0.0; }
  double cer() const { return characters ? static_cast<double>(edits) / characters : 0.0; }
};

// How well a page was read, line by line, whatever the granularity of either side: each truth
// line is compared with the recognised text that reads most like it, where a truth word may be
// part of a recognised line (approximate substring match). Case, white space and the plate dot
// "·" are ignored; the similarity is 1 - edits / truth length (at least 0); exact = no edits.
struct LineAccuracy {
  size_t lines = 0;        // truth lines with text (don't-care regions are not counted)
  double similarity = 0;   // summed over lines
  size_t exact = 0;
  LineAccuracy& operator+=(const LineAccuracy& other) {
    lines += other.lines, similarity += other.similarity, exact += other.exact;
    return *this;
  }
  // One image: its truth lines against all the texts recognised in it.
  void add(const std::vector<TruthRegion>& truth, const std::vector<std::string>& recognised);
  double accuracy() const { return lines ? similarity / lines : 0.0; }
  double exact_rate() const { return lines ? static_cast<double>(exact) / lines : 0.0; }
};

// The fewest edits that turn `needle` into some substring of `haystack` (Sellers' algorithm),
// over Unicode code points.
size_t substring_edit_distance(const std::string& needle, const std::string& haystack);

}  // namespace ocrserve
