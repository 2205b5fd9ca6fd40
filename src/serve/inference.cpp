#include "serve/inference.hpp"

#include <chrono>
#include <memory>

#include "core/image_header.hpp"

namespace ocrserve {
namespace {

void check_limits(const std::vector<std::string>& images, const ServingLimits& limits) {
  if (images.size() > limits.max_images_per_request) {
    throw TooLargeError("request holds " + std::to_string(images.size()) + " images, more than the limit of " +
                        std::to_string(limits.max_images_per_request) + " (ocrserve_max_images_per_request)");
  }
  uint64_t pixels = 0;
  for (const auto& image : images) pixels += header_pixels(reinterpret_cast<const uint8_t*>(image.data()), image.size());
  if (pixels > limits.max_request_pixels) {
    throw TooLargeError("request images hold " + std::to_string(pixels) + " pixels, more than the limit of " +
                        std::to_string(limits.max_request_pixels) + " (ocrserve_max_request_pixels)");
  }
}

}  // namespace

void run_inference(ServingCore& core, InferenceCall call, std::function<void(InferenceAnswer)> done) {
  std::shared_ptr<ServedModel> model;
  try {
    model = core.registry().find(call.model, call.version);
    check_limits(call.images, core.config().limits);
  } catch (const Error&) {
    return done(InferenceAnswer{{}, std::current_exception()});
  }
  const auto start = std::chrono::steady_clock::now();
  // TorchServe's labels: the version as the request named it ("default" without one).
  const std::string labels = label("model_name", call.model) +
                             label("model_version", call.version.empty() ? "default" : call.version) +
                             label("hostname", core.metrics().hostname());
  Job job;
  job.images = std::move(call.images);
  job.abandoned = std::move(call.abandoned);
  job.done = [&core, done, start, labels](std::vector<ItemOutcome> outcomes, std::optional<Error> error, JobTimes times) {
    Metrics& metrics = core.metrics();
    if (times.ran) {
      metrics.add("ts_queue_latency_microseconds", labels, static_cast<double>(times.queued.count()));
      metrics.set("QueueTime", metrics.host_labels(), static_cast<double>(times.queued.count()) / 1000.0);
      metrics.set("WorkerThreadTime", metrics.host_labels(), static_cast<double>(times.worker_overhead.count()) / 1000.0);
    }
    metrics.add("ts_inference_requests_total", labels, 1);
    metrics.add("ts_inference_latency_microseconds", labels,
                std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
    done(InferenceAnswer{std::move(outcomes), error ? std::make_exception_ptr(*error) : nullptr});
  };
  const auto submitted = model->runner->submit(std::move(job));
  if (submitted == ModelRunner::Submit::accepted) return;
  const std::string who = call.version.empty() ? "Model \"" + call.model + "\""
                                               : "Model \"" + call.model + "\" Version " + call.version;
  std::string message = who + " has no worker to serve inference request. Please use scale workers API to add workers.";
  if (submitted == ModelRunner::Submit::queue_full) {
    message = who + " job queue is full (job_queue_size " + std::to_string(model->runner->settings().queue_capacity) +
              "); retry later.";
  }
  done(InferenceAnswer{{}, std::make_exception_ptr(Error(ErrorKind::overloaded, message))});
}

}  // namespace ocrserve
