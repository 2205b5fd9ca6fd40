#include "client/http_client.hpp"

#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "ocrserve/error.hpp"
#include "serve/config.hpp"

namespace ocrserve {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

HttpClientReply http_post(const std::string& url, const std::string& body, const std::string& content_type) {
  const size_t scheme = url.find("://");
  const size_t path_start = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  const std::string authority = url.substr(0, path_start);
  const std::string path = path_start == std::string::npos ? "/" : url.substr(path_start);
  const Address address = parse_address(authority, 80, "url");
  try {
    boost::asio::io_context io;
    tcp::resolver resolver(io);
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(300));
    stream.connect(resolver.resolve(address.host, std::to_string(address.port)));
    http::request<http::string_body> request(http::verb::post, path, 11);
    request.set(http::field::host, address.host);
    request.set(http::field::content_type, content_type);
    request.body() = body;
    request.prepare_payload();
    http::write(stream, request);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(1ULL << 30);
    http::read(stream, buffer, parser);
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    return {static_cast<int>(parser.get().result_int()), parser.get().body()};
  } catch (const boost::system::system_error& e) {
    throw Error(ErrorKind::not_found, url + ": no answer (" + e.code().message() + "); is the server running?");
  }
}

}  // namespace ocrserve
