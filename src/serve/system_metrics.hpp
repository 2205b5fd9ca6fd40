#pragma once
// The host metrics TorchServe reports (its metrics.yaml "system" set, GPU ones excepted), read
// from /proc and statvfs when /metrics is scraped: CPUUtilization, MemoryUsed,
// MemoryAvailable, MemoryUtilization, DiskUsage, DiskAvailable, DiskUtilization.
#include <string>
#include <vector>

#include "serve/metrics.hpp"

namespace ocrserve {

// `host_labels`: Level="Host",Hostname="…", as TorchServe labels them. CPU utilisation is over
// the time since the previous call (the first call: since boot); the disk is the one holding /,
// as TorchServe's psutil.disk_usage("/").
std::vector<MetricFamily> system_metrics(const std::string& host_labels);

}  // namespace ocrserve
