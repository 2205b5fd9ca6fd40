#pragma once
// How `ocrserve infer` writes results: JSON (today's shapes, rounded), JSON Lines, plain text,
// and Tesseract's TSV and hOCR, so that tools written for Tesseract read ours.
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "core/json_file.hpp"
#include "ocrserve/error.hpp"
#include "ocrserve/results.hpp"

namespace ocrserve {

enum class Format { json, jsonl, text, tsv, hocr };

const std::vector<std::string>& format_names();  // "json", "jsonl", "text", "tsv", "hocr"
Format parse_format(const std::string& name);    // one of format_names()
const char* format_extension(Format format);     // ".json", ".jsonl", ".txt", ".tsv", ".hocr"
// Formats made of text lines (text, tsv, hocr): they need a pipeline that reads text.
bool needs_text(Format format);

// A recognised line of text in reading order, with where it was found.
struct TextLine {
  Polygon polygon;
  std::string text;
  float score = 0;
};

// What one page (an image, or a page of a PDF or TIFF) gave.
struct PageResult {
  std::string image;            // the input's name
  int page = 0;                 // 1-based page of a PDF or multi-page TIFF; 0 for a lone image
  cv::Size size;                // the page in pixels
  int dpi = 0;                  // a PDF page's rendering resolution; 0 for images
  Json result;                  // the result in the shape of docs/cli.md (null when failed)
  std::vector<TextLine> lines;  // recognised text (OCR, recognition)
  std::optional<Error> error;

  std::string label() const;  // "file.pdf#page=2", or the image's name
};

// Coordinates (polygons, boundary_result points) to 3 decimals, scores to 5: what the pixels
// and the networks can tell apart, and inside the tolerances the SDK's parity tests compare with.
Json rounded_result(const Json& result);

// JSON laid out for reading: a list or object of lists or objects opens one line per element,
// and anything holding no more than numbers, strings and lists of them (a polygon, an OCR line,
// an error) stays on one line.
std::string layout_json(const Json& json, int indent = 0);
std::string one_line_json(const Json& json);

// {"image": NAME, ["page": N,] "result": …} or {"image": NAME, ["page": N,] "error": {"type", "message"}}
Json page_entry(const PageResult& page);

struct WriterOptions {
  // JSON: print the lone result itself rather than a list of entries (one image given).
  bool bare = false;
  // JSON, bare: a failed image is written as its entry with "error" (--json FILE), or not at all
  // (standard output, where the error is on stderr).
  bool bare_errors = false;
};

// Writes the pages of one output (standard output, a --json FILE, one --output-dir file) as
// they come; finish() closes the document (the end of a JSON list, of the hOCR page).
class ResultWriter {
 public:
  virtual ~ResultWriter() = default;
  virtual void page(const PageResult& page) = 0;
  virtual void finish() = 0;
};

std::unique_ptr<ResultWriter> make_writer(Format format, std::ostream& out, const WriterOptions& options = {});

}  // namespace ocrserve
