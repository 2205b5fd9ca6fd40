#pragma once
// Reading the metrics endpoint's Prometheus text in tests.
#include <string>

namespace ocrserve::test {

// The value of the first Prometheus sample whose line starts with `prefix`; -1 when none does.
inline double sample_value(const std::string& metrics, const std::string& prefix) {
  const size_t at = metrics.find(prefix);
  if (at == std::string::npos) return -1;
  return std::stod(metrics.substr(metrics.find("} ", at) + 2));
}

}  // namespace ocrserve::test
