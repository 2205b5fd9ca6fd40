#include "client/load_generator.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <latch>
#include <memory>
#include <thread>

#include "ocrserve/error.hpp"
#include "serve/config.hpp"

namespace ocrserve {
namespace {

using Clock = std::chrono::steady_clock;

// A keep-alive connection sending one request at a time; reconnects when the server closes.
class Connection {
 public:
  Connection(const Address& address, std::string path) : address_(address), path_(std::move(path)) { open(); }
  ~Connection() { close(fd_); }

  int post(const PostBody& body) {
    std::string request = "POST " + path_ + " HTTP/1.1\r\nHost: " + address_.host + "\r\nContent-Type: " +
                          body.content_type + "\r\nContent-Length: " + std::to_string(body.content.size()) + "\r\n";
    for (const auto& [name, value] : body.headers) request += name + ": " + value + "\r\n";
    request += "\r\n" + body.content;
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (send_all(request)) {
        if (const int status = read_status()) return status;
      }
      close(fd_);
      open();
    }
    return 0;
  }

 private:
  void open() {
    buffer_.clear();
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in socket_address{};
    socket_address.sin_family = AF_INET;
    socket_address.sin_port = htons(address_.port);
    inet_pton(AF_INET, address_.host == "localhost" ? "127.0.0.1" : address_.host.c_str(), &socket_address.sin_addr);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&socket_address), sizeof socket_address) != 0) {
      close(fd_);
      fd_ = -1;
    }
  }
  bool send_all(const std::string& data) {
    if (fd_ < 0) return false;
    for (size_t sent = 0; sent < data.size();) {
      const ssize_t n = send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<size_t>(n);
    }
    return true;
  }
  bool fill() {
    char chunk[65536];
    const ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  }
  int read_status() {
    size_t header_end;
    while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) return 0;
    }
    std::string head = buffer_.substr(0, header_end);
    for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const int status = std::atoi(head.c_str() + 9);
    size_t length = 0;
    if (const size_t at = head.find("content-length:"); at != std::string::npos) length = std::stoul(head.substr(at + 15));
    while (buffer_.size() < header_end + 4 + length) {
      if (!fill()) return 0;
    }
    buffer_.erase(0, header_end + 4 + length);
    if (head.find("connection: close") != std::string::npos) {
      close(fd_);
      open();
    }
    return status;
  }

  Address address_;
  std::string path_;
  int fd_ = -1;
  std::string buffer_;
};

}  // namespace

double LoadSummary::percentile(double p) const {
  if (latencies_ms.empty()) return 0;
  return latencies_ms[std::min(latencies_ms.size() - 1, static_cast<size_t>(p * latencies_ms.size()))];
}

Json LoadSummary::json() const {
  return {{"requests", requests}, {"errors", errors},         {"seconds", seconds},
          {"throughput", throughput()}, {"p50_ms", percentile(0.5)}, {"p90_ms", percentile(0.9)},
          {"p99_ms", percentile(0.99)}};
}

LoadSummary drive_load(size_t concurrency, size_t requests, const std::function<bool(size_t, size_t)>& one,
                       size_t warmup) {
  std::atomic<size_t> next{0}, errors{0};
  std::vector<std::vector<double>> latencies(concurrency);
  std::latch warmed(static_cast<std::ptrdiff_t>(concurrency)), go(1);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < concurrency; ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = 0; i < warmup; ++i) one(t, i);
      warmed.count_down();
      go.wait();
      for (size_t i; (i = next++) < requests;) {
        const auto begin = Clock::now();
        if (!one(t, i)) ++errors;
        latencies[t].push_back(std::chrono::duration<double, std::milli>(Clock::now() - begin).count());
      }
    });
  }
  warmed.wait();
  const auto start = Clock::now();
  go.count_down();
  for (auto& thread : threads) thread.join();
  LoadSummary summary;
  summary.requests = requests;
  summary.errors = errors;
  summary.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (const auto& l : latencies) summary.latencies_ms.insert(summary.latencies_ms.end(), l.begin(), l.end());
  std::sort(summary.latencies_ms.begin(), summary.latencies_ms.end());
  return summary;
}

LoadSummary http_load(const std::string& url, const std::vector<std::string>& bodies, size_t concurrency, size_t requests) {
  std::vector<PostBody> posts;
  for (const std::string& body : bodies) posts.push_back({body, "application/octet-stream", {}});
  return http_load(url, posts, concurrency, requests);
}

LoadSummary http_load(const std::string& url, const std::vector<PostBody>& bodies, size_t concurrency, size_t requests) {
  if (bodies.empty()) throw Error(ErrorKind::bad_input, "no request bodies to send");
  const size_t scheme = url.find("://");
  const size_t path_start = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (path_start == std::string::npos) throw Error(ErrorKind::bad_input, url + ": needs a path, e.g. /predictions/NAME");
  const Address address = parse_address(url.substr(0, path_start), 80, "--url");
  std::vector<std::unique_ptr<Connection>> connections;
  for (size_t t = 0; t < concurrency; ++t) connections.push_back(std::make_unique<Connection>(address, url.substr(path_start)));
  return drive_load(concurrency, requests, [&](size_t t, size_t i) { return connections[t]->post(bodies[i % bodies.size()]) == 200; });
}

}  // namespace ocrserve
