#pragma once
// PDF pages as images for `ocrserve infer`, rendered with Poppler. The command line reads PDFs;
// the server does not.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "core/image.hpp"

namespace ocrserve {

// True when the bytes are a PDF: "%PDF-" within the first 1024 bytes, as readers accept it.
bool is_pdf(const std::vector<uint8_t>& bytes);

class PdfDocument {
 public:
  // Error(bad_input) for bytes Poppler cannot read, a PDF that needs a password, one without
  // pages or with more than limits.max_pages.
  PdfDocument(std::vector<uint8_t> bytes, const std::string& what, int dpi, const DecodeLimits& limits = {});
  ~PdfDocument();
  PdfDocument(PdfDocument&&) noexcept;

  size_t size() const;
  // Page `index` (0-based) as an 8-bit BGR image at the document's dpi; Error(bad_input) when it
  // would exceed the pixel limits (checked from the page size, before rendering).
  cv::Mat render(size_t index, const std::string& what) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ocrserve
