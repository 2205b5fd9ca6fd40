#include "serve/metrics.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace ocrserve {
namespace {

struct KeptMetric {
  const char* name;
  const char* type;
  const char* help;
};

// The metrics Metrics keeps, with TorchServe's types and HELP texts, so that existing dashboards
// and alerts keep matching.
const KeptMetric kKept[] = {
    {"ts_inference_requests_total", "counter", "Torchserve prometheus counter metric with unit: Count"},
    {"ts_inference_latency_microseconds", "counter", "Torchserve prometheus counter metric with unit: Microseconds"},
    {"ts_queue_latency_microseconds", "counter", "Torchserve prometheus counter metric with unit: Microseconds"},
    {"Requests2XX", "counter", "Torchserve prometheus counter metric with unit: Count"},
    {"Requests4XX", "counter", "Torchserve prometheus counter metric with unit: Count"},
    {"Requests5XX", "counter", "Torchserve prometheus counter metric with unit: Count"},
    {"QueueTime", "gauge", "Torchserve prometheus gauge metric with unit: Milliseconds"},
    {"WorkerThreadTime", "gauge", "Torchserve prometheus gauge metric with unit: Milliseconds"},
};

std::string format_value(double value) {
  char text[64];
  // Whole numbers as "3.0" like TorchServe's client library; others with three decimals.
  std::snprintf(text, sizeof text, value == static_cast<double>(static_cast<long long>(value)) ? "%.1f" : "%.3f", value);
  return text;
}

void render_family(std::string& out, const std::string& name, const std::string& type, const std::string& help,
                   const std::vector<MetricSample>& samples) {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  for (const auto& sample : samples) {
    out += name + sample.suffix + "{" + sample.labels + "} " + format_value(sample.value) + "\n";
  }
}

}  // namespace

std::string label(const std::string& name, const std::string& value) {
  std::string escaped;
  for (char c : value) {
    if (c == '\\' || c == '"') escaped += '\\';
    if (c == '\n') {
      escaped += "\\n";
      continue;
    }
    escaped += c;
  }
  return name + "=\"" + escaped + "\",";
}

Metrics::Metrics() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  hostname_ = name;
  host_labels_ = label("Level", "Host") + label("Hostname", hostname_);
}

void Metrics::add(const std::string& name, const std::string& labels, double value) {
  std::lock_guard lock(mutex_);
  kept_[name][labels] += value;
}

void Metrics::set(const std::string& name, const std::string& labels, double value) {
  std::lock_guard lock(mutex_);
  kept_[name][labels] = value;
}

std::string Metrics::render(const std::vector<MetricFamily>& gauges, const std::vector<std::string>& filter) const {
  auto wanted = [&](const std::string& name) {
    return filter.empty() || std::find(filter.begin(), filter.end(), name) != filter.end();
  };
  std::string out;
  {
    std::lock_guard lock(mutex_);
    for (const auto& info : kKept) {
      auto it = kept_.find(info.name);
      if (it == kept_.end() || !wanted(info.name)) continue;
      std::vector<MetricSample> samples;
      for (const auto& [labels, value] : it->second) samples.push_back({labels, value, ""});
      render_family(out, info.name, info.type, info.help, samples);
    }
  }
  for (const auto& family : gauges) {
    if (!wanted(family.name) || family.samples.empty()) continue;
    render_family(out, family.name, family.type, family.help, family.samples);
  }
  return out;
}

}  // namespace ocrserve
