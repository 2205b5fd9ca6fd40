#include "eval/metrics.hpp"

#include <polyclipping/clipper.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>

#include "core/utf8.hpp"

namespace ocrserve {
namespace {

// Clipper works on integers: coordinates are scaled so sub-pixel areas still count.
constexpr double kScale = 1000.0;

ClipperLib::Path to_path(const Polygon& polygon) {
  ClipperLib::Path path;
  for (const auto& p : polygon) {
    path.push_back({static_cast<ClipperLib::cInt>(std::llround(p.x * kScale)), static_cast<ClipperLib::cInt>(std::llround(p.y * kScale))});
  }
  return path;
}

double area_of(const ClipperLib::Paths& paths) {
  double area = 0;
  for (const auto& path : paths) area += ClipperLib::Area(path);
  return std::fabs(area) / (kScale * kScale);
}

double intersection_area(const Polygon& a, const Polygon& b) {
  ClipperLib::Clipper clipper;
  clipper.AddPath(to_path(a), ClipperLib::ptSubject, true);
  clipper.AddPath(to_path(b), ClipperLib::ptClip, true);
  ClipperLib::Paths result;
  clipper.Execute(ClipperLib::ctIntersection, result, ClipperLib::pftNonZero, ClipperLib::pftNonZero);
  return area_of(result);
}

double polygon_area(const Polygon& polygon) { return area_of({to_path(polygon)}); }

// Levenshtein distance from x to y, or with `within` to the closest substring of y: the
// first row is then all zeros (any start is free) and the best of the last row wins (any end).
size_t edit_distance(const std::vector<uint32_t>& x, const std::vector<uint32_t>& y, bool within) {
  std::vector<size_t> row(y.size() + 1);
  for (size_t j = 0; j <= y.size(); ++j) row[j] = within ? 0 : j;
  for (size_t i = 1; i <= x.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= y.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (x[i - 1] == y[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return within ? *std::min_element(row.begin(), row.end()) : row[y.size()];
}

// What line accuracy compares: lower-case ASCII, no white space, no plate dot.
std::vector<uint32_t> reading_form(const std::string& text) {
  std::vector<uint32_t> form;
  for (uint32_t point : code_points(text)) {
    if (point == ' ' || (point >= '\t' && point <= '\r') || point == 0xA0 || point == 0x3000 || point == 0xB7) continue;
    form.push_back(point < 0x80 ? static_cast<uint32_t>(std::tolower(static_cast<int>(point))) : point);
  }
  return form;
}

}  // namespace

double polygon_iou(const Polygon& a, const Polygon& b) {
  if (a.size() < 3 || b.size() < 3) return 0.0;
  const double inter = intersection_area(a, b);
  const double uni = polygon_area(a) + polygon_area(b) - inter;
  return uni > 0 ? inter / uni : 0.0;
}

DetectionCounts match_detections(const std::vector<TruthRegion>& truth, const std::vector<Polygon>& detected,
                                 double iou_threshold, const std::vector<std::string>* predicted_texts,
                                 TextEqual text_equal) {
  DetectionCounts counts;
  std::vector<size_t> care, kept;
  for (size_t i = 0; i < truth.size(); ++i) {
    if (!truth[i].ignore) care.push_back(i);
  }
  for (size_t j = 0; j < detected.size(); ++j) {
    const double area = polygon_area(detected[j]);
    bool dont_care = false;
    for (const auto& region : truth) {
      if (region.ignore && area > 0 && intersection_area(detected[j], region.polygon) / area > 0.5) dont_care = true;
    }
    if (!dont_care) kept.push_back(j);
  }
  counts.truth = care.size();
  counts.detected = kept.size();

  struct Pair {
    double iou;
    size_t truth, detection;
  };
  std::vector<Pair> pairs;
  for (size_t i : care) {
    for (size_t j : kept) {
      const double iou = polygon_iou(truth[i].polygon, detected[j]);
      if (iou >= iou_threshold) pairs.push_back({iou, i, j});
    }
  }
  std::stable_sort(pairs.begin(), pairs.end(), [](const Pair& a, const Pair& b) { return a.iou > b.iou; });
  std::vector<bool> truth_used(truth.size()), detection_used(detected.size());
  for (const auto& pair : pairs) {
    if (truth_used[pair.truth] || detection_used[pair.detection]) continue;
    if (text_equal && predicted_texts && !text_equal(truth[pair.truth].text, (*predicted_texts)[pair.detection])) continue;
    truth_used[pair.truth] = detection_used[pair.detection] = true;
    ++counts.matched;
  }
  return counts;
}

// MMOCR 1.x's WordMetric / CharMetric / OneMinusNEDMetric (mmocr/evaluation/metrics/
// recog_metric.py): text.lower(), then re.sub('[^A-Z^a-z^0-9^\u4e00-\u9fa5]', '', ...). Inside
// that class only the first "^" negates; the others are literal carets, so "^" is kept along
// with letters, digits and U+4E00–U+9FA5. Python's lower() is Unicode's: of the characters it
// maps into what the class keeps, besides A–Z, there are two, U+0130 (İ, to "i" + U+0307) and
// U+212A (the Kelvin sign, to "k").
std::string ignore_case_symbol(const std::string& text) {
  std::string out;
  for (uint32_t point : code_points(text)) {
    if (point == 0x130) point = 'i';       // "i̇": the combining dot that follows is not kept
    else if (point == 0x212A) point = 'k';
    if (point < 0x80) {
      if (std::isalnum(static_cast<int>(point)) || point == '^') out += static_cast<char>(std::tolower(static_cast<int>(point)));
    } else if (point >= 0x4E00 && point <= 0x9FA5) {
      append_utf8(out, point);
    }
  }
  return out;
}

bool equal_ignoring_case_symbol(const std::string& truth, const std::string& predicted) {
  return ignore_case_symbol(truth) == ignore_case_symbol(predicted);
}

size_t edit_distance(const std::string& a, const std::string& b) {
  return edit_distance(code_points(a), code_points(b), false);
}

size_t substring_edit_distance(const std::string& needle, const std::string& haystack) {
  return edit_distance(code_points(needle), code_points(haystack), true);
}

size_t utf8_length(const std::string& text) { return code_points(text).size(); }

void LineAccuracy::add(const std::vector<TruthRegion>& truth, const std::vector<std::string>& recognised) {
  std::vector<std::vector<uint32_t>> texts;
  for (const auto& text : recognised) texts.push_back(reading_form(text));
  for (const auto& region : truth) {
    if (region.ignore) continue;
    const std::vector<uint32_t> line = reading_form(region.text);
    if (line.empty()) continue;
    size_t best = line.size();
    for (const auto& text : texts) best = std::min(best, edit_distance(line, text, true));
    ++lines;
    similarity += 1.0 - static_cast<double>(best) / line.size();
    exact += best == 0;
  }
}

void RecognitionCounts::add(const std::string& truth, const std::string& predicted) {
  ++words;
  exact += truth == predicted;
  ignore_case_symbol += equal_ignoring_case_symbol(truth, predicted);
  edits += edit_distance(truth, predicted);
  characters += utf8_length(truth);
}

}  // namespace ocrserve
