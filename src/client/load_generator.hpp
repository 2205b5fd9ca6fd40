#pragma once
// Drives a running server with C concurrent keep-alive connections (ocrserve bench --url,
// bench/load_bench) and summarises throughput and latency.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "client/request_bodies.hpp"
#include "core/json_file.hpp"

namespace ocrserve {

struct LoadSummary {
  size_t requests = 0;
  size_t errors = 0;  // answers other than 200, or no answer
  double seconds = 0;
  std::vector<double> latencies_ms;  // sorted

  double throughput() const { return seconds > 0 ? requests / seconds : 0; }
  double percentile(double p) const;
  Json json() const;
};

// Runs `requests` calls of `one(thread, index)` (true = success) on `concurrency` threads.
// Each thread first makes `warmup` untimed calls (indices 0..warmup-1): a fresh thread's first
// calls pay for its allocator arena and scratch buffers, which a server's long-lived workers
// paid long ago.
LoadSummary drive_load(size_t concurrency, size_t requests, const std::function<bool(size_t, size_t)>& one,
                       size_t warmup = 0);

// POSTs the bodies round-robin to http://host:port/path over keep-alive connections.
LoadSummary http_load(const std::string& url, const std::vector<PostBody>& bodies, size_t concurrency, size_t requests);
// The same with raw bodies (TorchServe's /predictions).
LoadSummary http_load(const std::string& url, const std::vector<std::string>& bodies, size_t concurrency, size_t requests);

}  // namespace ocrserve
