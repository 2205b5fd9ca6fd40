#include "serve/archive_fetch.hpp"

#include <unistd.h>

#include <fstream>
#include <random>
#include <vector>

#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <spdlog/spdlog.h>

namespace ocrserve {
namespace {

namespace fs = std::filesystem;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

struct HttpUrl {
  bool tls = false;
  std::string host, port = "80", target = "/";
};

HttpUrl parse_http_url(const std::string& url) {
  HttpUrl parsed;
  parsed.tls = url.rfind("https://", 0) == 0;
  if (parsed.tls) parsed.port = "443";
  const std::string rest = url.substr(parsed.tls ? 8 : 7);  // after the scheme
  const size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) parsed.target = rest.substr(slash);
  if (authority.find('@') != std::string::npos) throw std::runtime_error("user information in the URL is not supported");
  size_t colon = authority.rfind(':');
  if (!authority.empty() && authority.front() == '[') {  // [IPv6]:port
    const size_t close = authority.find(']');
    if (close == std::string::npos) throw std::runtime_error("malformed IPv6 host");
    parsed.host = authority.substr(1, close - 1);
    colon = authority.find(':', close);
  } else {
    parsed.host = authority.substr(0, colon);
  }
  if (colon != std::string::npos) {
    parsed.port = authority.substr(colon + 1);
    if (parsed.port.empty() || parsed.port.size() > 5 || parsed.port.find_first_not_of("0123456789") != std::string::npos) {
      throw std::runtime_error("malformed port \"" + parsed.port + "\"");
    }
  }
  if (parsed.host.empty()) throw std::runtime_error("no host");
  return parsed;
}

bool link_local(const boost::asio::ip::address& address) {
  if (address.is_v4()) return (address.to_v4().to_uint() >> 16) == ((169u << 8) | 254u);
  const auto bytes = address.to_v6().to_bytes();
  return address.to_v6().is_link_local() || (address.to_v6().is_v4_mapped() && bytes[12] == 169 && bytes[13] == 254);
}

// The file name an archive URL gives in the store: the last path segment, without query.
std::string store_file_name(const std::string& url) {
  std::string path = url.substr(0, url.find_first_of("?#"));
  const std::string name = path.substr(path.find_last_of('/') + 1);
  return name;
}

// Runs one asynchronous operation to completion within `limit`: Beast's stream expiry applies to
// asynchronous operations only (its blocking ones would wait on a stalling server for ever).
template <class Stream, class Start>
beast::error_code run_within(boost::asio::io_context& io, Stream& stream, std::chrono::seconds limit, Start start) {
  beast::error_code result = boost::asio::error::would_block;
  beast::get_lowest_layer(stream).expires_after(limit);
  start([&result](beast::error_code error, auto&&...) { result = error; });
  io.restart();
  io.run();
  return result;
}

// GET over `stream` (connected, and past its TLS handshake for https) into `destination`.
template <class Stream>
void read_archive(boost::asio::io_context& io, Stream& stream, const HttpUrl& url, const fs::path& destination,
                  const FetchLimits& limits) {
  const auto deadline = std::chrono::steady_clock::now() + limits.timeout;
  const auto check = [](beast::error_code error) {
    if (error && error != http::error::need_buffer) throw boost::system::system_error(error);
  };
  http::request<http::empty_body> request(http::verb::get, url.target, 11);
  request.set(http::field::host, url.host);
  request.set(http::field::user_agent, "ocrserve");
  check(run_within(io, stream, limits.idle, [&](auto done) { http::async_write(stream, request, done); }));
  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(limits.max_bytes);
  check(run_within(io, stream, limits.idle, [&](auto done) { http::async_read_header(stream, buffer, parser, done); }));
  if (parser.get().result_int() != 200) {
    throw std::runtime_error("the server answered " + std::to_string(parser.get().result_int()));
  }
  std::ofstream out(destination, std::ios::binary | std::ios::trunc);
  std::vector<char> chunk(64 * 1024);
  while (!parser.is_done()) {
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("took longer than " + std::to_string(limits.timeout.count()) + " s");
    }
    parser.get().body().data = chunk.data();
    parser.get().body().size = chunk.size();
    check(run_within(io, stream, limits.idle, [&](auto done) { http::async_read(stream, buffer, parser, done); }));
    out.write(chunk.data(), static_cast<std::streamsize>(chunk.size() - parser.get().body().size));
  }
  if (!out) throw std::runtime_error("cannot write " + destination.string());
}

void download(const std::string& url, const fs::path& destination, const FetchLimits& limits) {
  const HttpUrl parsed = parse_http_url(url);
  boost::asio::io_context io;
  tcp::resolver resolver(io);
  const auto endpoints = resolver.resolve(parsed.host, parsed.port);
  for (const auto& endpoint : endpoints) {
    if (link_local(endpoint.endpoint().address())) {
      throw Error(ErrorKind::not_found, "Given URL " + url + " names a link-local address (cloud metadata); not fetched");
    }
  }
  const auto connect = [&](beast::tcp_stream& stream) {
    const beast::error_code error =
        run_within(io, stream, limits.idle, [&](auto done) { stream.async_connect(endpoints, done); });
    if (error) throw boost::system::system_error(error);
  };
  if (!parsed.tls) {
    beast::tcp_stream stream(io);
    connect(stream);
    read_archive(io, stream, parsed, destination, limits);
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    return;
  }
  // The system's trusted certificates (SSL_CERT_FILE / SSL_CERT_DIR override them, as for any
  // OpenSSL client), the host name checked against the certificate, TLS 1.2 or later.
  boost::asio::ssl::context context(boost::asio::ssl::context::tls_client);
  context.set_options(boost::asio::ssl::context::no_tlsv1 | boost::asio::ssl::context::no_tlsv1_1);
  context.set_default_verify_paths();
  context.set_verify_mode(boost::asio::ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(io, context);
  stream.set_verify_callback(boost::asio::ssl::host_name_verification(parsed.host));
  if (!SSL_set_tlsext_host_name(stream.native_handle(), parsed.host.c_str())) {
    throw std::runtime_error("cannot name the host for TLS");
  }
  connect(beast::get_lowest_layer(stream));
  const beast::error_code handshake = run_within(
      io, stream, limits.idle, [&](auto done) { stream.async_handshake(boost::asio::ssl::stream_base::client, done); });
  if (handshake) throw std::runtime_error("TLS handshake failed: " + handshake.message());
  read_archive(io, stream, parsed, destination, limits);
  beast::error_code ignored;
  beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_both, ignored);
}

void copy_file_url(const std::string& url, const fs::path& destination, const FetchLimits& limits) {
  const fs::path source = url.substr(7);
  if (!fs::is_regular_file(source)) throw std::runtime_error(source.string() + " is not a file");
  if (fs::file_size(source) > limits.max_bytes) throw std::runtime_error("larger than the limit");
  fs::copy_file(source, destination, fs::copy_options::overwrite_existing);
}

}  // namespace

fs::path fetch_into_store(const std::string& url, const fs::path& store, const FetchLimits& limits) {
  const bool is_file = url.rfind("file://", 0) == 0;
  const bool is_http = url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
  const std::string name = store_file_name(url);
  if (name.empty() || name.front() == '.' || name.find('\\') != std::string::npos) {
    throw DownloadError(url, "the URL names no archive file");
  }
  const fs::path destination = store / name;
  if (fs::exists(destination)) throw Error(ErrorKind::internal, "Model file already exists in model store: " + name);
  if (!is_file && !is_http) {
    throw DownloadError(url, "unsupported URL scheme");
  }
  // Written beside the destination under a hidden name, renamed once complete.
  std::random_device random;
  const fs::path partial = store / ("." + name + "." + std::to_string(getpid()) + "-" + std::to_string(random()) + ".part");
  try {
    if (is_http) download(url, partial, limits);
    else copy_file_url(url, partial, limits);
    if (fs::exists(destination)) throw Error(ErrorKind::internal, "Model file already exists in model store: " + name);
    fs::rename(partial, destination);
  } catch (const Error&) {
    std::error_code ignored;
    fs::remove(partial, ignored);
    throw;
  } catch (const std::exception& e) {
    std::error_code ignored;
    fs::remove(partial, ignored);
    spdlog::warn("downloading {} failed: {}", url, e.what());
    throw DownloadError(url, e.what());
  }
  return destination;
}

}  // namespace ocrserve
