#pragma once
// What `ocrserve infer` reads: the command line's files, folders, patterns and "-" (standard
// input) as a list of inputs, and each input as pages (a PDF's, a multi-page TIFF's, or one).
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "core/image.hpp"
#include "ocrserve/error.hpp"

namespace ocrserve {

struct InputFile {
  std::string path;                   // the file to read; "-" for standard input
  std::string name;                   // how results and messages name it ("stdin" for "-")
  std::filesystem::path output_name;  // relative name for files written for it (--output-dir, --show)
  bool listed = false;                // found in a folder or by a pattern, not named on the command line
  std::optional<Error> error;         // a folder without images, a pattern that matched nothing
};

// The extensions a folder is searched for (lower case): the image formats and PDF.
const std::set<std::string>& input_extensions();

// Expands the command line's arguments in order:
// - "-": standard input;
// - a folder: the files below it (recursively, hidden ones left out) with an extension of
//   input_extensions(), in any case, sorted by path; named relative to the folder;
// - a path that does not exist but holds *, ? or [...]: the matching paths (as the shell would,
//   sorted; folders among them expanded as above), named relative to the pattern's folder;
// - anything else: itself, named by its file name (a missing file fails when read).
std::vector<InputFile> expand_inputs(const std::vector<std::string>& arguments);

// The bytes of an input: a file (read_file_bytes) or all of standard input.
std::vector<uint8_t> read_input_bytes(const InputFile& input);

// One input as pages.
class InputDocument {
 public:
  // Error(bad_input) for a PDF that cannot be opened or bytes over the limits.
  InputDocument(std::vector<uint8_t> bytes, const std::string& name, int pdf_dpi, const DecodeLimits& limits = {});
  ~InputDocument();
  InputDocument(InputDocument&&) noexcept;

  size_t size() const;
  bool is_pdf() const;
  // A PDF, or a TIFF of more than one page: its results are numbered by page.
  bool paged() const { return is_pdf() || size() > 1; }
  int dpi() const;  // the rendering resolution of a PDF; 0 for images
  // Page `index` (0-based) as an 8-bit BGR image; `what` names it in errors.
  cv::Mat read(size_t index, const std::string& what);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// File names for the outputs of a run that never collide: the second claim of "a" gets "a-2",
// the third "a-3" (compared as written, so "sub/a" and "a" are different names).
class OutputNames {
 public:
  std::filesystem::path claim(const std::filesystem::path& name);

 private:
  std::set<std::string> taken_;
};

}  // namespace ocrserve
