#include "serve/system_metrics.hpp"

#include <sys/statvfs.h>

#include <fstream>
#include <mutex>
#include <sstream>

namespace ocrserve {
namespace {

struct CpuTimes {
  unsigned long long busy = 0;
  unsigned long long total = 0;
};

// The first line of /proc/stat: user nice system idle iowait irq softirq steal …; idle and
// iowait are the CPU's idle time.
CpuTimes read_cpu_times() {
  std::ifstream stat("/proc/stat");
  std::string cpu;
  stat >> cpu;
  CpuTimes times;
  unsigned long long value = 0;
  for (int field = 0; field < 8 && stat >> value; ++field) {
    times.total += value;
    if (field != 3 && field != 4) times.busy += value;
  }
  return times;
}

double cpu_utilization_percent() {
  static std::mutex mutex;
  static CpuTimes previous;
  const CpuTimes now = read_cpu_times();
  std::lock_guard lock(mutex);
  const double total = static_cast<double>(now.total - previous.total);
  const double busy = static_cast<double>(now.busy - previous.busy);
  previous = now;
  return total > 0 ? 100.0 * busy / total : 0.0;
}

// MemTotal and MemAvailable of /proc/meminfo, in kB.
std::pair<double, double> memory_kb() {
  std::ifstream meminfo("/proc/meminfo");
  std::string line;
  double total = 0, available = 0;
  while (std::getline(meminfo, line)) {
    std::istringstream fields(line);
    std::string key;
    double value = 0;
    fields >> key >> value;
    if (key == "MemTotal:") total = value;
    if (key == "MemAvailable:") available = value;
  }
  return {total, available};
}

MetricFamily gauge(const std::string& name, const std::string& unit, const std::string& labels, double value) {
  return {name, "gauge", "Torchserve prometheus gauge metric with unit: " + unit, {{labels, value, ""}}};
}

}  // namespace

std::vector<MetricFamily> system_metrics(const std::string& host_labels) {
  std::vector<MetricFamily> families;
  families.push_back(gauge("CPUUtilization", "Percent", host_labels, cpu_utilization_percent()));
  const auto [total_kb, available_kb] = memory_kb();
  if (total_kb > 0) {
    families.push_back(gauge("MemoryUsed", "Megabytes", host_labels, (total_kb - available_kb) / 1024.0));
    families.push_back(gauge("MemoryAvailable", "Megabytes", host_labels, available_kb / 1024.0));
    families.push_back(gauge("MemoryUtilization", "Percent", host_labels, 100.0 * (total_kb - available_kb) / total_kb));
  }
  struct statvfs disk {};
  if (statvfs("/", &disk) == 0 && disk.f_blocks > 0) {
    constexpr double kGigabyte = 1024.0 * 1024.0 * 1024.0;
    const double size = static_cast<double>(disk.f_blocks) * disk.f_frsize;
    const double available = static_cast<double>(disk.f_bavail) * disk.f_frsize;
    const double used = size - static_cast<double>(disk.f_bfree) * disk.f_frsize;
    families.push_back(gauge("DiskUsage", "Gigabytes", host_labels, used / kGigabyte));
    families.push_back(gauge("DiskAvailable", "Gigabytes", host_labels, available / kGigabyte));
    // As psutil: used over what a user can have (used + available), not over the whole size.
    families.push_back(gauge("DiskUtilization", "Percent", host_labels, 100.0 * used / (used + available)));
  }
  return families;
}

}  // namespace ocrserve
