#include "frontend/http/http_server.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <optional>
#include <random>
#include <thread>
#include <type_traits>
#include <utility>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include "frontend/http/tls_context.hpp"
#include "ocrserve/error.hpp"
#include "serve/server_log.hpp"

namespace ocrserve {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

std::string percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() &&
        std::isxdigit(static_cast<unsigned char>(text[i + 1])) && std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else if (plus_is_space && text[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

void parse_target(HttpRequest& request) {
  const std::string_view target = request.target;
  const size_t question = target.find('?');
  request.path = percent_decode(target.substr(0, question), false);
  if (question == std::string_view::npos) return;
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const size_t eq = pair.find('=');
    if (!pair.empty()) {
      request.query.emplace(percent_decode(pair.substr(0, eq), true),
                            eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1), true));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
}

}  // namespace

std::string random_uuid() {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  uint64_t high = generator(), low = generator();
  high = (high & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;
  low = (low & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;
  char text[37];
  std::snprintf(text, sizeof text, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(high >> 32),
                static_cast<unsigned>((high >> 16) & 0xFFFF), static_cast<unsigned>(high & 0xFFFF),
                static_cast<unsigned>(low >> 48), static_cast<unsigned long long>(low & 0xFFFFFFFFFFFFULL));
  return text;
}

struct HttpServer::Impl {
  asio::io_context io;
  std::vector<std::shared_ptr<tcp::acceptor>> acceptors;
  std::vector<std::thread> threads;
  std::atomic<size_t> in_flight{0};
  std::atomic<size_t> upload_bytes{0};  // reserved by requests whose bodies are held
  std::atomic<size_t> connections{0};   // open sessions, all listeners
  size_t thread_count;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
};

namespace {

// What the sessions of one server share.
struct Shared {
  std::shared_ptr<const HttpHandler> handler;
  ErrorResponder errors;
  HttpLimits limits;
  std::atomic<size_t>& in_flight;
  std::atomic<size_t>& upload_bytes;
  std::atomic<size_t>& connections;
  size_t max_connections;
  std::shared_ptr<const TlsContext> tls;  // null: plain HTTP
};

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

template <class Stream>
Stream open_stream(tcp::socket socket, const Shared& shared) {
  if constexpr (std::is_same_v<Stream, TlsStream>) {
    return Stream(std::move(socket), shared.tls->context());
  } else {
    return Stream(std::move(socket));
  }
}

// Connections are accepted only while descriptors remain for everything else (model files,
// logs, ONNX Runtime): a process out of descriptors fails in places that cannot report it.
size_t connection_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 65536;
  constexpr size_t kReserved = 32;
  return limit.rlim_cur > 2 * kReserved ? limit.rlim_cur - kReserved : std::max<size_t>(limit.rlim_cur / 2, 1);
}

// One connection over a Stream: PlainStream, or TlsStream (HTTPS). Every handler below runs on
// the connection's strand. Deadlines live on the TCP stream underneath, for TLS as well.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  // stream_ is initialised before shared_ (declaration order): it reads `shared` unmoved.
  Session(tcp::socket socket, std::shared_ptr<const Shared> shared)
      : stream_(open_stream<Stream>(std::move(socket), *shared)), shared_(std::move(shared)), limits_(shared_->limits),
        idle_timer_(stream_.get_executor()) {
    shared_->connections++;
    beast::error_code ignored;
    const auto endpoint = tcp_layer().socket().remote_endpoint(ignored);
    remote_ = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  }
  ~Session() {
    release_upload();
    shared_->connections--;
  }

  void start() {
    if constexpr (kTls) {
      // A client that connects and never finishes its handshake is dropped like a silent one.
      tcp_layer().expires_after(limits_.idle_timeout);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code error) { self->on_handshake(error); });
    } else {
      read_header();
    }
  }

 private:
  beast::tcp_stream& tcp_layer() { return beast::get_lowest_layer(stream_); }

  void on_handshake(beast::error_code error) {
    if (!error) return read_header();
    spdlog::debug("TLS handshake with {} failed: {}", remote_, error.message());
    if (error.category() == asio::error::get_ssl_category() &&
        ERR_GET_REASON(static_cast<unsigned long>(error.value())) == SSL_R_HTTP_REQUEST) {
      return refuse_plain_http();
    }
    close();
  }

  // A plain HTTP request on a TLS port: OpenSSL read its first bytes and gave up. The answer goes
  // out in plain HTTP, so that the client says what is wrong rather than "empty reply".
  void refuse_plain_http() {
    method_.clear();
    HttpResponse response = shared_->errors(400, "This port speaks HTTPS; the request was plain HTTP. Use https://.");
    auto out = std::make_shared<http::response<http::string_body>>(http::status::bad_request, 11);
    out->result(static_cast<unsigned>(response.status));
    out->set(http::field::content_type, response.content_type);
    out->keep_alive(false);
    out->body() = std::move(response.body);
    out->prepare_payload();
    log_access(response.status);
    tcp_layer().expires_after(limits_.idle_timeout);
    http::async_write(tcp_layer(), *out, [self = this->shared_from_this(), out](beast::error_code error, size_t) {
      if (error) return self->close();
      beast::error_code ignored;
      self->tcp_layer().socket().shutdown(tcp::socket::shutdown_send, ignored);
      self->lingering_until_ = std::chrono::steady_clock::now() + std::chrono::seconds(2);
      self->discard(self->tcp_layer());
    });
  }

  void read_header() {
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(limits_.max_header_size));
    parser_->body_limit(limits_.max_request_size);
    method_.clear();
    target_.clear();
    version_ = 11;
    tcp_layer().expires_after(limits_.idle_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = this->shared_from_this()](beast::error_code error, size_t) { self->on_header(error); });
  }

  void on_header(beast::error_code error) {
    // A TLS client that closes between requests without close_notify is gone too, not malformed.
    if (error == http::error::end_of_stream || error == beast::error::timeout || error == asio::error::eof ||
        error == asio::error::connection_reset || error == asio::error::operation_aborted ||
        error == asio::ssl::error::stream_truncated) {
      return close();
    }
    if (error == http::error::header_limit) return reply_error(431, "Request header fields too large.");
    // Beast compares Content-Length with the body limit while parsing the header.
    if (error == http::error::body_limit) {
      return reply_error(413, "Request body exceeds max_request_size " + std::to_string(limits_.max_request_size) + ".");
    }
    started_ = std::chrono::steady_clock::now();
    if (error) return reply_error(400, "Invalid HTTP message.");
    auto& header = parser_->get();
    method_ = std::string(header.method_string());
    target_ = std::string(header.target());
    version_ = header.version();
    // Only chunked transfer coding is understood. Any other would leave the body to be read
    // as the next request, which a proxy in front would not do (request smuggling).
    const auto coding = header[http::field::transfer_encoding];
    if (!coding.empty() && !beast::iequals(coding, "chunked")) {
      return reply_error(501, "Transfer-Encoding \"" + std::string(coding.substr(0, 64)) + "\" is not implemented; "
                              "send the body with Content-Length or chunked.");
    }
    if (!coding.empty() && header.count(http::field::content_length)) {
      return reply_error(400, "Content-Length and Transfer-Encoding together are ambiguous.");
    }
    // Refuse an oversized body before reading any of it.
    if (parser_->content_length() && *parser_->content_length() > limits_.max_request_size) {
      return reply_error(413, "Request body of " + std::to_string(*parser_->content_length()) +
                                  " bytes exceeds max_request_size " + std::to_string(limits_.max_request_size) + ".");
    }
    // A chunked body may grow to max_request_size; reserve that much.
    const size_t body = parser_->content_length() ? static_cast<size_t>(*parser_->content_length())
                                                  : coding.empty() ? 0 : limits_.max_request_size;
    if (!reserve_upload(body)) {
      return reply_error(503, "Too many uploads in progress (ocrserve_max_upload_memory " +
                                  std::to_string(limits_.max_upload_memory) + " bytes); retry later.");
    }
    if (beast::iequals(header[http::field::expect], "100-continue")) {
      auto continue_response = std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
      http::async_write(stream_, *continue_response,
                        [self = this->shared_from_this(), continue_response](beast::error_code error, size_t) {
                          if (error) return self->close();
                          self->read_body();
                        });
      return;
    }
    read_body();
  }

  bool reserve_upload(size_t bytes) {
    size_t used = shared_->upload_bytes.load();
    do {
      if (bytes > 0 && used + bytes > limits_.max_upload_memory) return false;
    } while (!shared_->upload_bytes.compare_exchange_weak(used, used + bytes));
    reserved_ = bytes;
    return true;
  }

  void release_upload() {
    shared_->upload_bytes -= reserved_;
    reserved_ = 0;
  }

  void read_body() {
    tcp_layer().expires_after(limits_.idle_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code error, size_t) { self->on_body(error); });
  }

  void on_body(beast::error_code error) {
    if (error == http::error::body_limit) {
      return reply_error(413, "Request body exceeds max_request_size " + std::to_string(limits_.max_request_size) + ".");
    }
    if (error == beast::error::timeout) return close();
    if (error) return reply_error(400, "Invalid HTTP message.");
    tcp_layer().expires_never();

    auto message = parser_->release();
    keep_alive_ = message.keep_alive();
    HttpRequest request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    for (const auto& field : message) {
      std::string name(field.name_string());
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
      request.headers[name] = std::string(field.value());
    }
    request.body = std::move(message.body());
    request.remote = remote_;
    client_gone_ = std::make_shared<std::atomic<bool>>(false);
    request.client_gone = [gone = client_gone_] { return gone->load(); };
    parse_target(request);
    method_ = request.method;
    target_ = request.target;

    shared_->in_flight++;
    auto self = this->shared_from_this();
    auto answered = std::make_shared<std::atomic<bool>>(false);
    Respond respond = [self, answered](HttpResponse response) {
      if (answered->exchange(true)) return;
      asio::post(self->stream_.get_executor(),
                 [self, response = std::move(response)]() mutable { self->write(std::move(response), true); });
    };
    watch_client();
    try {
      (*shared_->handler)(std::move(request), respond);
    } catch (const std::exception& e) {
      spdlog::error("handler failed: {}", e.what());
      respond(shared_->errors(500, e.what()));
    }
  }

  // While a handler works, a read stays posted: it ends with an error when the client goes,
  // or brings the next pipelined request's first bytes, kept in buffer_ for read_header.
  void watch_client() {
    watching_ = true;
    read_some_untimed(buffer_.prepare(4096), [self = this->shared_from_this()](beast::error_code error, size_t n) {
      self->watching_ = false;
      if (self->watch_cancelled_) {
        // write() stopped the watch because the next request is here: read it.
        self->watch_cancelled_ = false;
        self->resume_after_watch_ = false;
        if (!error) self->buffer_.commit(n);
        return self->read_header();
      }
      if (error) {
        if (self->client_gone_) self->client_gone_->store(true);
        if (self->resume_after_watch_) self->close();
        return;
      }
      self->buffer_.commit(n);
      if (self->resume_after_watch_) {
        self->resume_after_watch_ = false;
        self->idle_timer_.cancel();
        return self->read_header();
      }
      if (self->buffer_.size() < self->limits_.max_header_size) self->watch_client();
    });
  }

  // The watch read has no deadline: a handler may work for minutes. TLS records are read
  // through OpenSSL; it may read and write while a response is being written (full duplex).
  template <class Handler>
  void read_some_untimed(asio::mutable_buffer buffer, Handler&& handler) {
    if constexpr (kTls) {
      stream_.async_read_some(buffer, std::forward<Handler>(handler));
    } else {
      tcp_layer().socket().async_read_some(buffer, std::forward<Handler>(handler));
    }
  }

  void reply_error(int status, const std::string& message) {
    keep_alive_ = false;
    // Refused while its header was read: the request line, if it got that far, is in the parser.
    if (method_.empty() && parser_) {
      const auto& header = parser_->get();
      method_ = std::string(header.method_string());
      target_ = std::string(header.target());
      version_ = header.version();
    }
    write(shared_->errors(status, message), false);
  }

  void write(HttpResponse response, bool counted) {
    auto out = std::make_shared<http::response<http::string_body>>();
    out->version(11);
    out->result(static_cast<unsigned>(response.status));
    // An error the API answered (404, 400, 503…) leaves the connection usable, as in TorchServe;
    // a refusal of the message itself (reply_error: its body may be unread) closes it.
    const bool close_after = !keep_alive_;
    out->set(http::field::content_type, response.content_type);
    out->set("x-request-id", random_uuid());
    // TorchServe's headers against caching, unless the handler chose its own (the web page).
    const bool own_caching = std::any_of(response.headers.begin(), response.headers.end(),
                                         [](const auto& header) { return beast::iequals(header.first, "cache-control"); });
    if (!own_caching) {
      out->set(http::field::pragma, "no-cache");
      out->set(http::field::cache_control, "no-cache; no-store, must-revalidate, private");
      out->set(http::field::expires, "Thu, 01 Jan 1970 00:00:00 UTC");
    }
    // Busy or draining: the client may come back in a second, whichever API said so.
    if (response.status == 503) out->set(http::field::retry_after, "1");
    for (const auto& [name, value] : response.headers) out->set(name, value);
    out->keep_alive(!close_after);
    // An HTTP/1.0 client keeps the connection only when the answer says so.
    if (!close_after && version_ == 10) out->set(http::field::connection, "keep-alive");
    out->body() = std::move(response.body);
    out->prepare_payload();
    log_access(response.status);
    tcp_layer().expires_after(limits_.idle_timeout);
    http::async_write(stream_, *out, [self = this->shared_from_this(), out, close_after, counted](beast::error_code error, size_t) {
      if (counted) self->shared_->in_flight--;
      self->release_upload();
      if (error) return self->close();
      // A request whose body was read has nothing left to drain; one refused early may.
      if (close_after) return self->watching_ ? self->close() : self->linger_close();
      if (!self->watching_) return self->read_header();
      if (self->buffer_.size() > 0) {
        // The next request arrived before this completion ran (a browser's keep-alive request
        // right after it read the answer, or a pipelined one): the watch read would wait for
        // bytes that are already here. Stop it; its completion reads the request.
        self->watch_cancelled_ = true;
        beast::error_code ignored;
        self->tcp_layer().socket().cancel(ignored);
        return;
      }
      // The watch read is still posted: it resumes reading when the next request arrives.
      self->resume_after_watch_ = true;
      self->idle_timer_.expires_after(self->limits_.idle_timeout);
      self->idle_timer_.async_wait([self](beast::error_code error) {
        if (!error && self->resume_after_watch_) self->close();
      });
    });
  }

  // TorchServe's access-log line: remote address as Netty prints it, the request line, the
  // status and the milliseconds since the request's header arrived. A request whose header could
  // not be parsed has "-" for what is unknown.
  void log_access(int status) {
    auto& log = access_log();
    if (!log.should_log(spdlog::level::info)) return;
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started_);
    log.info("/{} \"{} {} HTTP/{}.{}\" {} {}", remote_, method_.empty() ? "-" : method_, target_.empty() ? "-" : target_,
             version_ / 10, version_ % 10, status, elapsed.count());
  }

  // After an error answer the client may still be sending the body we refused; closing at once
  // would reset the connection and the client would never read the answer. So stop sending,
  // read and discard for a moment, then close.
  void linger_close() {
    beast::error_code ignored;
    tcp_layer().socket().shutdown(tcp::socket::shutdown_send, ignored);
    lingering_until_ = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    discard(stream_);
  }

  // Reads and drops what arrives on `from` (the session's stream, or the TCP stream under a
  // failed TLS handshake) until lingering_until_.
  template <class From>
  void discard(From& from) {
    const auto left = lingering_until_ - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) return close();
    tcp_layer().expires_after(left);
    auto sink = std::make_shared<std::array<char, 16384>>();
    from.async_read_some(asio::buffer(*sink), [self = this->shared_from_this(), &from, sink](beast::error_code error, size_t) {
      if (error) return self->close();
      self->discard(from);
    });
  }

  void close() {
    beast::error_code ignored;
    idle_timer_.cancel();
    tcp_layer().socket().shutdown(tcp::socket::shutdown_send, ignored);
    tcp_layer().close();
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<const Shared> shared_;
  const HttpLimits& limits_;
  asio::steady_timer idle_timer_;
  std::string remote_, method_, target_;
  unsigned version_ = 11;            // of the request being answered: 11 = HTTP/1.1
  bool keep_alive_ = true;
  bool watching_ = false;            // a watch read is posted
  bool resume_after_watch_ = false;  // answered while watching: the watch read resumes the loop
  bool watch_cancelled_ = false;     // write() cancelled the watch read to read the next request
  size_t reserved_ = 0;              // upload bytes this connection holds
  std::shared_ptr<std::atomic<bool>> client_gone_;
  std::chrono::steady_clock::time_point lingering_until_{};
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

void accept_loop(std::shared_ptr<tcp::acceptor> acceptor, std::shared_ptr<const Shared> shared);

// Waits a moment, then accepts again: retrying at once would spin a core.
void accept_later(std::shared_ptr<tcp::acceptor> acceptor, std::shared_ptr<const Shared> shared) {
  auto pause = std::make_shared<asio::steady_timer>(acceptor->get_executor(), std::chrono::milliseconds(100));
  pause->async_wait([acceptor, shared, pause](beast::error_code) {
    if (acceptor->is_open()) accept_loop(acceptor, shared);
  });
}

void accept_loop(std::shared_ptr<tcp::acceptor> acceptor, std::shared_ptr<const Shared> shared) {
  // At the connection limit, new clients wait in the listen backlog until one closes.
  if (shared->connections >= shared->max_connections) return accept_later(acceptor, shared);
  acceptor->async_accept(asio::make_strand(acceptor->get_executor()),
                         [acceptor, shared](beast::error_code error, tcp::socket socket) {
                           if (error == asio::error::operation_aborted || !acceptor->is_open()) return;
                           if (!error) {
                             if (shared->tls) {
                               std::make_shared<Session<TlsStream>>(std::move(socket), shared)->start();
                             } else {
                               std::make_shared<Session<PlainStream>>(std::move(socket), shared)->start();
                             }
                             return accept_loop(acceptor, shared);
                           }
                           spdlog::warn("accept failed: {}; pausing 100 ms", error.message());
                           accept_later(acceptor, shared);
                         });
}

}  // namespace

HttpServer::HttpServer(size_t io_threads) : impl_(std::make_unique<Impl>()) {
  impl_->thread_count = std::max<size_t>(io_threads, 1);
}

HttpServer::~HttpServer() { stop(); }

HttpResponse plain_error(int status, const std::string& message) { return HttpResponse{status, message + "\n", "text/plain", {}}; }

int http_status(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::bad_input:
    case ErrorKind::unsupported: return 400;
    case ErrorKind::not_found: return 404;
    case ErrorKind::overloaded: return 503;
    case ErrorKind::internal: break;
  }
  return 500;
}

uint16_t HttpServer::listen(const std::string& host, uint16_t port, HttpHandler handler, const HttpLimits& limits,
                            ErrorResponder errors, std::shared_ptr<const TlsContext> tls) {
  beast::error_code error;
  const auto address = asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host, error);
  if (error) throw Error(ErrorKind::bad_input, "cannot listen on \"" + host + "\": not an IP address");
  auto acceptor = std::make_shared<tcp::acceptor>(impl_->io);
  const tcp::endpoint endpoint(address, port);
  acceptor->open(endpoint.protocol(), error);
  if (!error) acceptor->set_option(asio::socket_base::reuse_address(true), error);
  if (!error) acceptor->bind(endpoint, error);
  if (!error) acceptor->listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    throw Error(ErrorKind::bad_input, "cannot listen on " + host + ":" + std::to_string(port) + ": " + error.message());
  }
  impl_->acceptors.push_back(acceptor);
  accept_loop(acceptor, std::make_shared<const Shared>(Shared{std::make_shared<const HttpHandler>(std::move(handler)), std::move(errors),
                                                              limits, impl_->in_flight, impl_->upload_bytes,
                                                              impl_->connections, connection_limit(), std::move(tls)}));
  return acceptor->local_endpoint().port();
}

void HttpServer::start() {
  impl_->work.emplace(impl_->io.get_executor());
  for (size_t i = 0; i < impl_->thread_count; ++i) impl_->threads.emplace_back([this] { impl_->io.run(); });
}

void HttpServer::stop_accepting() {
  asio::post(impl_->io, [impl = impl_.get()] {
    for (auto& acceptor : impl->acceptors) {
      beast::error_code ignored;
      acceptor->close(ignored);
    }
  });
}

size_t HttpServer::in_flight() const { return impl_->in_flight; }

void HttpServer::stop() {
  if (!impl_) return;
  impl_->work.reset();
  impl_->io.stop();
  for (auto& thread : impl_->threads) {
    if (thread.joinable()) thread.join();
  }
  impl_->threads.clear();
}

}  // namespace ocrserve
