#pragma once
// Writes small PDFs for tests: one page per image, each image embedded as a JPEG and filling
// its page, the page sized so that rendering it at `dpi` gives the image's pixel size back.
#include <cstdio>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>

namespace ocrserve::test {

struct PdfOptions {
  int dpi = 200;
  // A Standard security handler whose passwords the empty one does not open: a PDF that needs
  // a password, as readers see it.
  bool password = false;
};

inline std::string make_pdf(const std::vector<cv::Mat>& images, const PdfOptions& options = {}) {
  std::string pdf = "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n";
  std::vector<size_t> offsets;  // of objects 1, 2, …
  const auto object = [&](const std::string& body) {
    offsets.push_back(pdf.size());
    pdf += std::to_string(offsets.size()) + " 0 obj\n" + body + "\nendobj\n";
  };
  const auto number = [](double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3f", value);
    return std::string(text);
  };
  const int pages = static_cast<int>(images.size());
  // Objects: 1 catalog, 2 page tree, then per page: page, contents, image.
  std::string kids;
  for (int i = 0; i < pages; ++i) kids += std::to_string(3 + 3 * i) + " 0 R ";
  object("<< /Type /Catalog /Pages 2 0 R >>");
  object("<< /Type /Pages /Kids [" + kids + "] /Count " + std::to_string(pages) + " >>");
  for (int i = 0; i < pages; ++i) {
    const cv::Mat& image = images[i];
    const double width = image.cols * 72.0 / options.dpi, height = image.rows * 72.0 / options.dpi;
    const int page = 3 + 3 * i;
    object("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 " + number(width) + " " + number(height) +
           "] /Resources << /XObject << /Im0 " + std::to_string(page + 2) + " 0 R >> >> /Contents " +
           std::to_string(page + 1) + " 0 R >>");
    const std::string drawing = "q " + number(width) + " 0 0 " + number(height) + " 0 0 cm /Im0 Do Q";
    object("<< /Length " + std::to_string(drawing.size()) + " >>\nstream\n" + drawing + "\nendstream");
    std::vector<uint8_t> jpeg;
    cv::imencode(".jpg", image, jpeg, {cv::IMWRITE_JPEG_QUALITY, 95});
    object("<< /Type /XObject /Subtype /Image /Width " + std::to_string(image.cols) + " /Height " +
           std::to_string(image.rows) + " /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode /Length " +
           std::to_string(jpeg.size()) + " >>\nstream\n" + std::string(jpeg.begin(), jpeg.end()) + "\nendstream");
  }
  std::string trailer = "/Size " + std::to_string(offsets.size() + 1) + " /Root 1 0 R";
  if (options.password) {
    const std::string garbage(64, 'A');  // 32 bytes in hex: matches no password
    object("<< /Filter /Standard /V 1 /R 2 /Length 40 /P -4 /O <" + garbage + "> /U <" + garbage + "> >>");
    trailer = "/Size " + std::to_string(offsets.size() + 1) + " /Root 1 0 R /Encrypt " +
              std::to_string(offsets.size()) + " 0 R /ID [<0123456789ABCDEF0123456789ABCDEF> "
              "<0123456789ABCDEF0123456789ABCDEF>]";
  }
  const size_t xref = pdf.size();
  pdf += "xref\n0 " + std::to_string(offsets.size() + 1) + "\n0000000000 65535 f \n";
  for (const size_t offset : offsets) {
    char line[32];
    std::snprintf(line, sizeof line, "%010zu 00000 n \n", offset);
    pdf += line;
  }
  pdf += "trailer\n<< " + trailer + " >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
  return pdf;
}

}  // namespace ocrserve::test
