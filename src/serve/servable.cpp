#include "serve/servable.hpp"

#include <algorithm>
#include <optional>

#include "core/image_header.hpp"
#include "serve/pixel_budget.hpp"

namespace ocrserve {

ServableSpec ServableSpec::from_packages(const std::filesystem::path& model, const std::filesystem::path& recognizer,
                                         const std::filesystem::path& classifier) {
  ServableSpec spec;
  spec.pipeline.model = model;
  spec.pipeline.recognizer = recognizer;
  spec.pipeline.classifier = classifier;
  spec.kind = pipeline_kind(spec.pipeline);
  if (spec.kind == PipelineKind::angle) {
    throw Error(ErrorKind::unsupported, model.string() + ": angle classifiers are served only inside an OCR model");
  }
  return spec;
}

Servable::Servable(const ServableSpec& spec) : pipeline_(spec.pipeline), limits_(spec.limits) {}

Servable::~Servable() = default;

std::vector<ItemOutcome> Servable::run(const std::vector<const std::string*>& images) {
  std::vector<ItemOutcome> outcomes(images.size());
  // Images are decoded and run in groups of at most max_pixels, each group holding its
  // pixels of the process's budget while it runs, so that neither a batch of large images nor
  // several workers at once hold more decoded pixels than one image may have.
  const auto pixels_of = [&](size_t i) {
    return std::min<uint64_t>(header_pixels(reinterpret_cast<const uint8_t*>(images[i]->data()), images[i]->size()),
                              limits_.max_pixels);
  };
  size_t next = 0;
  while (next < images.size()) {
    size_t end = next;
    uint64_t pixels = 0;
    while (end < images.size() && (end == next || pixels + pixels_of(end) <= limits_.max_pixels)) pixels += pixels_of(end++);
    const PixelHold hold(PixelBudget::process(), pixels);
    std::vector<cv::Mat> decoded;
    std::vector<size_t> slots;  // outcome index of each decoded image
    for (; next < end; ++next) {
      try {
        const auto* bytes = reinterpret_cast<const uint8_t*>(images[next]->data());
        decoded.push_back(decode_image(bytes, images[next]->size(), "image", limits_));
        slots.push_back(next);
      } catch (const Error& e) {
        outcomes[next].error = e;
      }
    }
    if (!decoded.empty()) run_decoded(decoded, slots, outcomes);
  }
  return outcomes;
}

void Servable::run_decoded(const std::vector<cv::Mat>& decoded, const std::vector<size_t>& slots,
                           std::vector<ItemOutcome>& outcomes) {
  Ocr* ocr = pipeline_.ocr();
  if (!ocr || !ocr->overlapped() || decoded.size() == 1) {
    std::vector<PipelineResult> results = pipeline_.run(decoded);
    for (size_t i = 0; i < slots.size(); ++i) outcomes[slots[i]].result = std::move(results[i]);
    return;
  }
  // The images stream through the worker's lanes: the next is detected while this one's lines
  // are recognised, and an image that fails fails alone.
  size_t next = 0;
  ocr->run_each(
      [&]() -> std::optional<cv::Mat> {
        if (next == decoded.size()) return std::nullopt;
        return decoded[next++];
      },
      [&](OcrOutcome&& outcome) {
        ItemOutcome& item = outcomes[slots[outcome.index]];
        if (!outcome.error) {
          item.result = std::move(outcome.result);
          return;
        }
        try {
          std::rethrow_exception(outcome.error);
        } catch (const Error& e) {
          item.error = e;
        }
      });
}

}  // namespace ocrserve
