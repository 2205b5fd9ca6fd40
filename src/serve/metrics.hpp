#pragma once
// Prometheus text exposition with TorchServe's metric names and label style
// (ts_inference_requests_total{model_name="m",model_version="default",hostname="h",} 3.0).
// TorchServe's request counters and last-request gauges are kept here; the gauges read from the
// models and the host are supplied when rendering.
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace ocrserve {

struct MetricSample {
  std::string labels;  // already formatted: model_name="m",model_version="v",
  double value = 0;
  std::string suffix;  // histograms: "_bucket", "_sum", "_count"
};

struct MetricFamily {
  std::string name;
  std::string type;  // counter, gauge, histogram
  std::string help;
  std::vector<MetricSample> samples;
};

class Metrics {
 public:
  Metrics();
  // Adds to a counter; `labels` as in MetricSample (each label ends with a comma).
  void add(const std::string& name, const std::string& labels, double value);
  // Sets a gauge that holds the last value (QueueTime, WorkerThreadTime).
  void set(const std::string& name, const std::string& labels, double value);
  // Renders counters plus `gauges`, keeping only names in `filter` when it is not empty.
  std::string render(const std::vector<MetricFamily>& gauges, const std::vector<std::string>& filter) const;
  const std::string& hostname() const { return hostname_; }
  // Level="Host",Hostname="…",: the labels of TorchServe's host-level metrics.
  const std::string& host_labels() const { return host_labels_; }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::map<std::string, double>> kept_;  // name → labels → value
  std::string hostname_;
  std::string host_labels_;
};

// name="value", with Prometheus escaping.
std::string label(const std::string& name, const std::string& value);

}  // namespace ocrserve
