// HTTP requests as the server reads them (Session in src/frontend/http/http_server.cpp): Beast's
// request_parser<string_body> with the default HttpLimits, header first, the server's
// refusals (a Transfer-Encoding other than chunked, one with Content-Length, a Content-Length
// over the limit), then the body, and on keep-alive the next request from the same buffer.
// The first input byte sets how many bytes each socket read returns (0: all at once).
// parse_target, the path and query decoding, sits in that file's anonymous namespace and is
// out of reach from here.
#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <string_view>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "check.hpp"
#include "memory_stream.hpp"
#include "frontend/http/http_server.hpp"

namespace beast = boost::beast;
namespace http = beast::http;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t chunk = data[0] == 0 ? std::numeric_limits<size_t>::max() : data[0];
  ocrserve::fuzz::MemoryStream stream(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1), chunk);
  const ocrserve::HttpLimits limits;
  beast::flat_buffer buffer;
  // A bound on requests per connection keeps a pathological input from looping long.
  for (int request = 0; request < 64; ++request) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<uint32_t>(limits.max_header_size));
    parser.body_limit(limits.max_request_size);
    beast::error_code error;
    http::read_header(stream, buffer, parser, error);
    if (error) break;
    // The server's refusals after the header, each answered with an error and a close.
    const auto coding = parser.get()[http::field::transfer_encoding];
    if (!coding.empty() && !beast::iequals(coding, "chunked")) break;                    // 501
    if (!coding.empty() && parser.get().count(http::field::content_length)) break;        // 400
    const auto content_length = parser.content_length();
    if (content_length && *content_length > limits.max_request_size) break;             // 413
    http::read(stream, buffer, parser, error);
    if (error) break;
    FUZZ_CHECK(parser.is_done(), "a request read without error is complete");

    auto message = parser.release();
    FUZZ_CHECK(message.body().size() <= limits.max_request_size, "the body limit holds");
    if (content_length) FUZZ_CHECK(message.body().size() == *content_length, "the body is Content-Length long");
    // What the server copies out of the message for its handler.
    std::map<std::string, std::string> headers;
    for (const auto& field : message) {
      std::string name(field.name_string());
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
      headers[name] = std::string(field.value());
    }
    const std::string method(message.method_string());
    const std::string target(message.target());
    FUZZ_CHECK(!method.empty() && !target.empty(), "a parsed request has a method and a target");
    if (!message.keep_alive()) break;
  }
  return 0;
}
