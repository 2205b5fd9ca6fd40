#pragma once
// The page `GET /` answers on the inference port (docs/serving.md "Try it in a browser"): one
// self-contained HTML file (src/frontend/torchserve/web/index.html, compiled in) that sends an image to
// /predictions/<model> and draws what came back. Its only script and style are inline, allowed
// by their SHA-256 in a Content-Security-Policy that allows nothing else.
#include <string>
#include <string_view>

#include "frontend/http/http_server.hpp"

namespace ocrserve {

struct WebPage {
  std::string_view html;
  std::string content_security_policy;
  std::string etag;  // quoted, from the page's SHA-256: it changes only with the binary
};

// Built on first use (hashing the page), then shared.
const WebPage& web_page();

// 200 with the page, or 304 when If-None-Match names its ETag; with the headers in both.
HttpResponse web_page_response(const HttpRequest& request);

// SHA-256 of `data` (FIPS 180-4): for CSP hash sources.
std::string sha256(std::string_view data);

}  // namespace ocrserve
