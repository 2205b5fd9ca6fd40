#include "serve/metrics.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace ocrserve {
namespace {

struct CounterInfo {
  const char* name;
  const char* help;
};

// TorchServe's HELP texts, so existing dashboards and alerts keep matching.
const CounterInfo kCounters[] = {
    {"ts_inference_requests_total", "Torchserve prometheus counter metric with unit: Count"},
    {"ts_inference_latency_microseconds", "Torchserve prometheus counter metric with unit: Microseconds"},
    {"ts_queue_latency_microseconds", "Torchserve prometheus counter metric with unit: Microseconds"},
    {"Requests2XX", "Torchserve prometheus counter metric with unit: Count"},
    {"Requests4XX", "Torchserve prometheus counter metric with unit: Count"},
    {"Requests5XX", "Torchserve prometheus counter metric with unit: Count"},
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
}

void Metrics::add(const std::string& name, const std::string& labels, double value) {
  std::lock_guard lock(mutex_);
  counters_[name][labels] += value;
}

std::string Metrics::render(const std::vector<MetricFamily>& gauges, const std::vector<std::string>& filter) const {
  auto wanted = [&](const std::string& name) {
    return filter.empty() || std::find(filter.begin(), filter.end(), name) != filter.end();
  };
  std::string out;
  {
    std::lock_guard lock(mutex_);
    for (const auto& info : kCounters) {
      auto it = counters_.find(info.name);
      if (it == counters_.end() || !wanted(info.name)) continue;
      std::vector<MetricSample> samples;
      for (const auto& [labels, value] : it->second) samples.push_back({labels, value, ""});
      render_family(out, info.name, "counter", info.help, samples);
    }
  }
  for (const auto& family : gauges) {
    if (!wanted(family.name) || family.samples.empty()) continue;
    render_family(out, family.name, family.type, family.help, family.samples);
  }
  return out;
}

}  // namespace ocrserve
