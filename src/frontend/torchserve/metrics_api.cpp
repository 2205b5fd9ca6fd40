// The metrics API (:8082): GET /metrics in Prometheus text format, TorchServe's names first
// (request counters, last-request gauges, host metrics, worker load times), then ours (queue
// depth, workers, batch sizes, process memory). name[]= filters.
#include <fstream>
#include <sstream>

#include "frontend/torchserve/api_error.hpp"
#include "frontend/torchserve/server.hpp"
#include "serve/system_metrics.hpp"

namespace ocrserve {
namespace {

double resident_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) * 1024.0;
  }
  return 0;
}

std::vector<MetricFamily> gauges(Server& server) {
  const std::string host = label("hostname", server.metrics().hostname());
  const std::string& host_level = server.metrics().host_labels();
  MetricFamily load_time{"WorkerLoadTime", "gauge", "Torchserve prometheus gauge metric with unit: Milliseconds", {}};
  MetricFamily queue_depth{"ocrserve_queue_depth", "gauge", "Jobs waiting in the model's queue", {}};
  MetricFamily workers{"ocrserve_workers", "gauge", "Workers of the model (each with its own inference session)", {}};
  MetricFamily batches{"ocrserve_batch_size", "histogram", "Images per inference batch", {}};
  MetricFamily inference{"ocrserve_inference_latency_microseconds", "counter",
                         "Cumulative time workers spent running batches (decode, pre/postprocess, inference)", {}};
  MetricFamily failed{"ocrserve_failed_images_total", "counter", "Images whose inference failed", {}};
  MetricFamily rejected{"ocrserve_rejected_requests_total", "counter", "Requests refused with 503 (queue full or no worker)", {}};
  MetricFamily timed_out{"ocrserve_timed_out_requests_total", "counter",
                         "Requests answered 503 after waiting longer than response_timeout for a worker", {}};
  MetricFamily abandoned{"ocrserve_abandoned_requests_total", "counter",
                         "Requests dropped unrun because their client closed the connection", {}};
  for (const auto& model : server.registry().all()) {
    const std::string labels = label("model_name", model->name) + label("model_version", model->version) + host;
    const RunnerStats& stats = model->runner->stats();
    // TorchServe names a worker W-<port>-<model>_<version>; ours are numbered from 9000 as its ports.
    for (const auto& worker : model->runner->workers()) {
      if (worker.status != "READY") continue;
      const std::string name = "W-" + std::to_string(worker.id) + "-" + model->name + "_" + model->version;
      load_time.samples.push_back({label("WorkerName", name) + host_level, static_cast<double>(worker.load_time.count()), ""});
    }
    queue_depth.samples.push_back({labels, static_cast<double>(model->runner->queued()), ""});
    workers.samples.push_back({labels, static_cast<double>(model->runner->worker_count()), ""});
    inference.samples.push_back({labels, static_cast<double>(stats.inference_latency_us), ""});
    failed.samples.push_back({labels, static_cast<double>(stats.failed_items), ""});
    rejected.samples.push_back({labels, static_cast<double>(stats.rejected), ""});
    timed_out.samples.push_back({labels, static_cast<double>(stats.timed_out), ""});
    abandoned.samples.push_back({labels, static_cast<double>(stats.abandoned), ""});
    // Bucket i holds batches of at most 2^i images; Prometheus buckets are cumulative.
    double cumulative = 0;
    for (size_t i = 0; i < stats.batch_size_counts.size(); ++i) {
      cumulative += static_cast<double>(stats.batch_size_counts[i]);
      const std::string le = i + 1 == stats.batch_size_counts.size() ? "+Inf" : std::to_string(1u << i);
      batches.samples.push_back({labels + label("le", le), cumulative, "_bucket"});
    }
    batches.samples.push_back({labels, static_cast<double>(stats.images), "_sum"});
    batches.samples.push_back({labels, static_cast<double>(stats.batches), "_count"});
  }
  MetricFamily memory{"ocrserve_process_resident_memory_bytes", "gauge", "Resident memory of the server process", {}};
  memory.samples.push_back({host, resident_bytes(), ""});
  std::vector<MetricFamily> families = system_metrics(host_level);
  families.push_back(load_time);
  for (auto* family : {&queue_depth, &workers, &batches, &inference, &failed, &rejected, &timed_out, &abandoned, &memory}) {
    families.push_back(std::move(*family));
  }
  return families;
}

}  // namespace

HttpHandler metrics_api(Server& server) {
  return [&server](HttpRequest&& request, Respond respond) {
    // The API description answers on every port, as TorchServe's does.
    if ((request.path == "/" && request.method == "OPTIONS") || (request.path == "/api-description" && request.method == "GET")) {
      return respond({200, api_description("metrics"), "application/json", {}});
    }
    if (request.path != "/metrics") {
      return respond(error_response(404, "ResourceNotFoundException", "Requested resource is not found, please refer to API document."));
    }
    if (request.method != "GET") {
      return respond(error_response(405, "MethodNotAllowedException", "Requested method is not allowed, please refer to API document."));
    }
    std::vector<std::string> filter;
    for (auto [it, end] = request.query.equal_range("name[]"); it != end; ++it) filter.push_back(it->second);
    respond({200, server.metrics().render(gauges(server), filter), "text/plain; version=0.0.4; charset=utf-8", {}});
  };
}

}  // namespace ocrserve
