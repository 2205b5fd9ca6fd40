// Load generator for the server, and the same work in-process for a baseline measured in the
// same run. Prints one JSON line per run: throughput, latency percentiles, errors.
//
//   load_bench http PORT PATH CONCURRENCY REQUESTS IMAGE...
//   load_bench inprocess PACKAGE[,REC[,CLS]] THREADS REQUESTS IMAGE...
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "serve/servable.hpp"

using Clock = std::chrono::steady_clock;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// A keep-alive connection that sends one request at a time.
class Connection {
 public:
  explicit Connection(uint16_t port) : port_(port) { open(); }
  ~Connection() { close(fd_); }

  int post(const std::string& path, const std::string& body) {
    const std::string request = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n"
                                "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (send_all(request)) {
        const int status = read_status();
        if (status > 0) return status;
      }
      close(fd_);
      open();
    }
    return 0;
  }

 private:
  void open() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port_);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    buffer_.clear();
  }
  bool send_all(const std::string& data) {
    size_t sent = 0;
    while (sent < data.size()) {
      const ssize_t n = send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<size_t>(n);
    }
    return true;
  }
  int read_status() {
    char chunk[65536];
    size_t header_end;
    while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      const ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return 0;
      buffer_.append(chunk, static_cast<size_t>(n));
    }
    const int status = std::atoi(buffer_.c_str() + 9);
    size_t length = 0;
    std::string head = buffer_.substr(0, header_end);
    for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (const size_t at = head.find("content-length:"); at != std::string::npos) length = std::stoul(head.substr(at + 15));
    while (buffer_.size() < header_end + 4 + length) {
      const ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return 0;
      buffer_.append(chunk, static_cast<size_t>(n));
    }
    const bool closing = head.find("connection: close") != std::string::npos;
    buffer_.erase(0, header_end + 4 + length);
    if (closing) {
      close(fd_);
      open();
    }
    return status;
  }

  uint16_t port_;
  int fd_ = -1;
  std::string buffer_;
};

double percentile(std::vector<double>& values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, static_cast<size_t>(p * values.size()))];
}

// Runs `requests` calls of `one(thread, index)` over `concurrency` threads; prints the summary.
template <typename One>
void drive(const std::string& mode, size_t concurrency, size_t requests, One one) {
  std::atomic<size_t> next{0};
  std::atomic<size_t> errors{0};
  std::vector<std::vector<double>> latencies(concurrency);
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (size_t t = 0; t < concurrency; ++t) {
    threads.emplace_back([&, t] {
      for (size_t i; (i = next++) < requests;) {
        const auto begin = Clock::now();
        if (!one(t, i)) ++errors;
        latencies[t].push_back(std::chrono::duration<double, std::milli>(Clock::now() - begin).count());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::printf("{\"mode\": \"%s\", \"concurrency\": %zu, \"requests\": %zu, \"errors\": %zu, \"throughput\": %.2f, "
              "\"p50_ms\": %.1f, \"p90_ms\": %.1f, \"p99_ms\": %.1f}\n",
              mode.c_str(), concurrency, requests, errors.load(), requests / seconds, percentile(all, 0.5),
              percentile(all, 0.9), percentile(all, 0.99));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6) {
    std::fprintf(stderr, "usage: load_bench http PORT PATH CONCURRENCY REQUESTS IMAGE...\n"
                         "       load_bench inprocess PACKAGE[,REC[,CLS]] THREADS REQUESTS IMAGE...\n");
    return 2;
  }
  const std::string mode = argv[1];
  if (mode == "http") {
    const auto port = static_cast<uint16_t>(std::atoi(argv[2]));
    const std::string path = argv[3];
    const size_t concurrency = std::stoul(argv[4]), requests = std::stoul(argv[5]);
    std::vector<std::string> images;
    for (int i = 6; i < argc; ++i) images.push_back(slurp(argv[i]));
    std::vector<std::unique_ptr<Connection>> connections;
    for (size_t t = 0; t < concurrency; ++t) connections.push_back(std::make_unique<Connection>(port));
    drive("http", concurrency, requests, [&](size_t t, size_t i) {
      return connections[t]->post(path, images[i % images.size()]) == 200;
    });
    return 0;
  }
  // In-process: one pipeline per thread, as the server has one per worker.
  std::vector<std::string> parts;
  std::stringstream list(argv[2]);
  for (std::string part; std::getline(list, part, ',');) parts.push_back(part);
  parts.resize(3);
  const size_t threads = std::stoul(argv[3]), requests = std::stoul(argv[4]);
  std::vector<std::string> images;
  for (int i = 5; i < argc; ++i) images.push_back(slurp(argv[i]));
  std::vector<std::unique_ptr<ocrserve::Servable>> servables;
  for (size_t t = 0; t < threads; ++t) {
    servables.push_back(std::make_unique<ocrserve::Servable>(ocrserve::ServableSpec::from_packages(parts[0], parts[1], parts[2])));
  }
  drive("inprocess", threads, requests, [&](size_t t, size_t i) {
    const auto outcomes = servables[t]->run({&images[i % images.size()]});
    return !outcomes.front().error.has_value();
  });
  return 0;
}
