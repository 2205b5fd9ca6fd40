#pragma once
// A small HTTP/1.1 server on Boost.Beast: listeners on several addresses, plain or TLS,
// keep-alive, Expect: 100-continue, and the size limit checked from Content-Length before any
// body byte is read. Handlers answer asynchronously through a callback that may run on any thread; while
// they work the connection is watched, so a request can tell that its client has gone.
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ocrserve/error.hpp"

namespace ocrserve {

class TlsContext;

struct HttpRequest {
  std::string method;                        // "GET", "POST", …
  std::string target;                        // as sent: path and query
  std::string path;                          // percent-decoded path, without the query
  std::multimap<std::string, std::string> query;  // decoded query parameters
  std::map<std::string, std::string> headers;     // names lower-cased
  std::string body;
  std::string remote;                        // "ip:port"
  // True once the client has closed its connection: nobody will read the answer.
  std::function<bool()> client_gone = [] { return false; };

  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
  }
  std::string query_value(const std::string& name, const std::string& fallback = "") const {
    auto it = query.find(name);
    return it == query.end() ? fallback : it->second;
  }
};

struct HttpResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
};

using Respond = std::function<void(HttpResponse)>;  // call exactly once, from any thread
using HttpHandler = std::function<void(HttpRequest&&, Respond)>;
// How a listener's API words the errors the transport answers itself (a request refused for its
// size or shape, a handler that threw): the API's error body for `status` with `message`.
using ErrorResponder = std::function<HttpResponse(int status, const std::string& message)>;
// A plain-text body: for listeners whose API has no error format of its own.
HttpResponse plain_error(int status, const std::string& message);
// The status every API answers a failure of this kind with: 400 for input that is wrong or not
// supported, 404, 503 when overloaded (the transport adds Retry-After to any 503), else 500.
int http_status(ErrorKind kind) noexcept;

struct HttpLimits {
  size_t max_request_size = 6553500;         // body bytes; larger → 413 before reading it
  size_t max_header_size = 64 * 1024;
  std::chrono::seconds idle_timeout{60};     // a silent client is disconnected (slowloris); TLS handshakes too
  // Bodies being received on all connections together may hold this much; a request that
  // would go over waits for nothing: it gets 503 at once (slow uploads cannot pile up memory).
  size_t max_upload_memory = 256ULL << 20;
};

class HttpServer {
 public:
  explicit HttpServer(size_t io_threads);
  ~HttpServer();

  // Binds host:port (port 0 = any free port) and returns the bound port. With `tls` the
  // listener speaks HTTPS only. Error(bad_input) when the address cannot be bound.
  uint16_t listen(const std::string& host, uint16_t port, HttpHandler handler, const HttpLimits& limits,
                  ErrorResponder errors = plain_error, std::shared_ptr<const TlsContext> tls = nullptr);
  void start();           // runs the I/O threads
  void stop_accepting();  // closes the listeners; open connections continue
  // Requests handed to a handler and not yet answered.
  size_t in_flight() const;
  void stop();            // closes everything and joins the I/O threads

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A random version-4 UUID, for x-request-id.
std::string random_uuid();

}  // namespace ocrserve
