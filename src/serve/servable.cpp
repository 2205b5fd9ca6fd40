#include "serve/servable.hpp"

#include <algorithm>
#include <optional>
#include <variant>

#include "codec/codec.hpp"
#include "core/image_header.hpp"
#include "model/model_package.hpp"
#include "ocrserve/ocr.hpp"
#include "serve/pixel_budget.hpp"

namespace ocrserve {

const char* to_string(ServableKind kind) {
  switch (kind) {
    case ServableKind::detection: return "detection";
    case ServableKind::recognition: return "recognition";
    case ServableKind::ocr: return "ocr";
  }
  return "detection";
}

ServableSpec ServableSpec::from_packages(const std::filesystem::path& model, const std::filesystem::path& recognizer,
                                         const std::filesystem::path& classifier) {
  ServableSpec spec;
  spec.model = model;
  spec.recognizer = recognizer;
  spec.classifier = classifier;
  const ModelPackage package = ModelPackage::load(model);
  const CodecTask task = codec_task(package.codec, package.codec_where);
  if (!recognizer.empty()) {
    if (task != CodecTask::detection) {
      throw Error(ErrorKind::bad_input, model.string() + ": an OCR model needs a detection package first");
    }
    spec.kind = ServableKind::ocr;
  } else if (task == CodecTask::detection) {
    spec.kind = ServableKind::detection;
  } else if (task == CodecTask::recognition) {
    spec.kind = ServableKind::recognition;
  } else {
    throw Error(ErrorKind::unsupported, model.string() + ": angle classifiers are served only inside an OCR model");
  }
  return spec;
}

struct Servable::Pipeline {
  std::variant<Detector, Recognizer, Ocr> runner;
};

namespace {

std::variant<Detector, Recognizer, Ocr> make_runner(const ServableSpec& spec) {
  switch (spec.kind) {
    case ServableKind::detection: return Detector(spec.model, spec.backend, spec.detection);
    case ServableKind::recognition: return Recognizer(spec.model, spec.backend, spec.crop_batch_size);
    case ServableKind::ocr:
      return Ocr(OcrOptions{spec.model, spec.recognizer, spec.classifier, spec.backend, spec.crop_batch_size,
                            0.5f, spec.detection});
  }
  throw Error(ErrorKind::internal, "unknown servable kind");
}

template <typename Result>
void fill(std::vector<ItemOutcome>& outcomes, const std::vector<size_t>& slots, std::vector<Result>&& results) {
  for (size_t i = 0; i < slots.size(); ++i) outcomes[slots[i]].result = std::move(results[i]);
}

}  // namespace

Servable::Servable(const ServableSpec& spec)
    : pipeline_(std::make_unique<Pipeline>(Pipeline{make_runner(spec)})), limits_(spec.limits) {}

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
  std::visit(
      [&](auto& runner) {
        using Runner = std::decay_t<decltype(runner)>;
        if constexpr (std::is_same_v<Runner, Detector>) {
          fill(outcomes, slots, runner.detect(decoded));
        } else if constexpr (std::is_same_v<Runner, Recognizer>) {
          fill(outcomes, slots, runner.recognize(decoded));
        } else if (runner.overlapped() && decoded.size() > 1) {
          // The images stream through the worker's lanes: the next is detected while this one's
          // lines are recognised, and an image that fails fails alone.
          size_t next = 0;
          runner.run_each(
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
        } else {
          fill(outcomes, slots, runner.run(decoded));
        }
      },
      pipeline_->runner);
}

}  // namespace ocrserve
