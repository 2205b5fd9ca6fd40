#pragma once
// A blocking HTTP/1.1 client for talking to a running server (ocrserve compare).
#include <string>

namespace ocrserve {

struct HttpClientReply {
  int status = 0;
  std::string body;
};

// POSTs `body` to `url` ("http://host:port/path"). Error(not_found) when nothing answers there.
HttpClientReply http_post(const std::string& url, const std::string& body, const std::string& content_type);

}  // namespace ocrserve
