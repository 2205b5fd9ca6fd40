#include "cli/pdf_document.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <mutex>

#include <poppler-document.h>
#include <poppler-global.h>
#include <poppler-page-renderer.h>
#include <poppler-page.h>

#include "ocrserve/error.hpp"

namespace ocrserve {
namespace {

// Poppler reports what it finds wrong in a file on stderr; we say what went wrong once, in our
// own words, so its messages are kept only to name the first one in an error.
struct PopplerMessages {
  std::mutex mutex;
  std::string first;

  static void record(const std::string& message, void* closure) {
    auto* self = static_cast<PopplerMessages*>(closure);
    std::lock_guard lock(self->mutex);
    if (self->first.empty()) self->first = message;
  }
  std::string take() {
    std::lock_guard lock(mutex);
    return std::exchange(first, {});
  }
};

PopplerMessages& poppler_messages() {
  static PopplerMessages* messages = [] {
    auto* m = new PopplerMessages;
    poppler::set_debug_error_function(&PopplerMessages::record, m);
    return m;
  }();
  return *messages;
}

std::string with_reason(const std::string& message) {
  const std::string reason = poppler_messages().take();
  return reason.empty() ? message : message + " (" + reason + ")";
}

}  // namespace

bool is_pdf(const std::vector<uint8_t>& bytes) {
  const size_t window = std::min<size_t>(bytes.size(), 1024);
  const char* data = reinterpret_cast<const char*>(bytes.data());
  return std::search(data, data + window, "%PDF-", "%PDF-" + 5) != data + window;
}

struct PdfDocument::Impl {
  std::vector<uint8_t> bytes;  // Poppler reads from them for as long as the document lives
  std::unique_ptr<poppler::document> document;
  int dpi = 200;
  DecodeLimits limits;
};

PdfDocument::PdfDocument(std::vector<uint8_t> bytes, const std::string& what, int dpi, const DecodeLimits& limits)
    : impl_(std::make_unique<Impl>()) {
  impl_->bytes = std::move(bytes);
  impl_->dpi = dpi;
  impl_->limits = limits;
  if (impl_->bytes.size() > static_cast<size_t>(INT_MAX)) {
    throw Error(ErrorKind::bad_input, what + ": PDF larger than 2 GiB, which Poppler cannot read");
  }
  poppler_messages().take();
  impl_->document.reset(poppler::document::load_from_raw_data(reinterpret_cast<const char*>(impl_->bytes.data()),
                                                              static_cast<int>(impl_->bytes.size())));
  if (!impl_->document) throw Error(ErrorKind::bad_input, with_reason(what + ": corrupt or truncated PDF"));
  if (impl_->document->is_locked()) {
    throw Error(ErrorKind::bad_input, what + ": PDF is encrypted with a password; decrypt it first "
                                             "(e.g. qpdf --password=… --decrypt in.pdf out.pdf)");
  }
  const int pages = impl_->document->pages();
  if (pages <= 0) throw Error(ErrorKind::bad_input, with_reason(what + ": PDF without pages"));
  if (static_cast<size_t>(pages) > limits.max_pages) {
    throw Error(ErrorKind::bad_input, what + ": PDF of " + std::to_string(pages) + " pages exceeds the limit (" +
                                          std::to_string(limits.max_pages) + " pages); split it");
  }
}

PdfDocument::~PdfDocument() = default;
PdfDocument::PdfDocument(PdfDocument&&) noexcept = default;

size_t PdfDocument::size() const { return static_cast<size_t>(impl_->document->pages()); }

cv::Mat PdfDocument::render(size_t index, const std::string& what) const {
  poppler_messages().take();
  std::unique_ptr<poppler::page> page(impl_->document->create_page(static_cast<int>(index)));
  if (!page) throw Error(ErrorKind::bad_input, with_reason(what + ": corrupt PDF page"));
  // The page box in points (1/72 inch), checked at the rendering resolution before any pixel
  // memory is allocated. Turning the page (its /Rotate) swaps the sides, never grows the area.
  const poppler::rectf box = page->page_rect(poppler::crop_box);
  const double scale = impl_->dpi / 72.0;
  const double width = std::ceil(box.width() * scale), height = std::ceil(box.height() * scale);
  const DecodeLimits& limits = impl_->limits;
  if (!(width >= 1 && height >= 1)) throw Error(ErrorKind::bad_input, what + ": PDF page without a size");
  if (width > limits.max_side || height > limits.max_side || width * height > static_cast<double>(limits.max_pixels)) {
    char size[64];
    std::snprintf(size, sizeof size, "%.0fx%.0f", width, height);
    throw Error(ErrorKind::bad_input, what + ": page of " + size + " pixels at " + std::to_string(impl_->dpi) +
                                          " dpi exceeds the limit (" + std::to_string(limits.max_side) +
                                          " pixels per side, " + std::to_string(limits.max_pixels) +
                                          " pixels in all); render it at a lower --pdf-dpi");
  }
  poppler::page_renderer renderer;
  renderer.set_render_hint(poppler::page_renderer::antialiasing, true);
  renderer.set_render_hint(poppler::page_renderer::text_antialiasing, true);
  renderer.set_image_format(poppler::image::format_bgr24);
  poppler::image image = renderer.render_page(page.get(), impl_->dpi, impl_->dpi);
  if (!image.is_valid() || image.width() <= 0 || image.height() <= 0) {
    throw Error(ErrorKind::bad_input, with_reason(what + ": PDF page cannot be rendered"));
  }
  const cv::Mat rendered(image.height(), image.width(), CV_8UC3, image.data(), static_cast<size_t>(image.bytes_per_row()));
  return rendered.clone();
}

}  // namespace ocrserve
