#include "frontend/torchserve/web_page.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "core/base64.hpp"

namespace ocrserve {

// src/frontend/torchserve/web/index.html, embedded by cmake/EmbedText.cmake.
extern const std::string_view kWebPageHtml;

namespace {

constexpr std::array<uint32_t, 64> kRoundConstants = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

uint32_t rotate_right(uint32_t value, int bits) { return (value >> bits) | (value << (32 - bits)); }

void compress(std::array<uint32_t, 8>& state, const uint8_t* block) {
  std::array<uint32_t, 64> w{};
  for (int i = 0; i < 16; ++i) {
    w[i] = (uint32_t{block[4 * i]} << 24) | (uint32_t{block[4 * i + 1]} << 16) | (uint32_t{block[4 * i + 2]} << 8) |
           uint32_t{block[4 * i + 3]};
  }
  for (int i = 16; i < 64; ++i) {
    const uint32_t s0 = rotate_right(w[i - 15], 7) ^ rotate_right(w[i - 15], 18) ^ (w[i - 15] >> 3);
    const uint32_t s1 = rotate_right(w[i - 2], 17) ^ rotate_right(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  auto [a, b, c, d, e, f, g, h] = state;
  for (int i = 0; i < 64; ++i) {
    const uint32_t t1 = h + (rotate_right(e, 6) ^ rotate_right(e, 11) ^ rotate_right(e, 25)) + ((e & f) ^ (~e & g)) +
                        kRoundConstants[i] + w[i];
    const uint32_t t2 = (rotate_right(a, 2) ^ rotate_right(a, 13) ^ rotate_right(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  const std::array<uint32_t, 8> add = {a, b, c, d, e, f, g, h};
  for (size_t i = 0; i < 8; ++i) state[i] += add[i];
}

// The text between each `<tag>` and its `</tag>` (the page's inline blocks carry no attributes).
std::vector<std::string_view> inline_blocks(std::string_view html, std::string_view tag) {
  std::string open = "<", close = "</";
  open.append(tag).append(">");
  close.append(tag).append(">");
  std::vector<std::string_view> blocks;
  for (size_t at = html.find(open); at != std::string_view::npos; at = html.find(open, at)) {
    const size_t begin = at + open.size();
    const size_t end = html.find(close, begin);
    if (end == std::string_view::npos) break;
    blocks.push_back(html.substr(begin, end - begin));
    at = end + close.size();
  }
  return blocks;
}

std::string hash_sources(std::string_view html, std::string_view tag) {
  std::string sources;
  for (const auto block : inline_blocks(html, tag)) sources += " 'sha256-" + base64_encode(sha256(block)) + "'";
  return sources.empty() ? " 'none'" : sources;
}

WebPage build_page() {
  WebPage page;
  page.html = kWebPageHtml;
  // Nothing but the page's own inline script and style; images only from data: (the icon; the
  // picture is drawn from the chosen file); requests only to this server.
  page.content_security_policy = "default-src 'none';"
                                 " script-src" + hash_sources(page.html, "script") + ";"
                                 " style-src" + hash_sources(page.html, "style") + ";"
                                 " img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none';"
                                 " frame-ancestors 'none'; require-trusted-types-for 'script'";
  const std::string digest = sha256(page.html);
  static const char* const kHex = "0123456789abcdef";
  std::string hex;
  for (size_t i = 0; i < 12; ++i) {
    hex += kHex[static_cast<uint8_t>(digest[i]) >> 4];
    hex += kHex[static_cast<uint8_t>(digest[i]) & 15];
  }
  page.etag = "\"" + hex + "\"";
  return page;
}

// If-None-Match: a list of entity tags (weak ones compare by their opaque part), or "*".
bool matches(const std::string& if_none_match, const std::string& etag) {
  size_t at = 0;
  while (at < if_none_match.size()) {
    size_t comma = if_none_match.find(',', at);
    if (comma == std::string::npos) comma = if_none_match.size();
    std::string tag = if_none_match.substr(at, comma - at);
    const size_t first = tag.find_first_not_of(" \t");
    const size_t last = tag.find_last_not_of(" \t");
    tag = first == std::string::npos ? "" : tag.substr(first, last - first + 1);
    if (tag.rfind("W/", 0) == 0) tag = tag.substr(2);
    if (tag == "*" || tag == etag) return true;
    at = comma + 1;
  }
  return false;
}

}  // namespace

std::string sha256(std::string_view data) {
  std::array<uint32_t, 8> state = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  const auto* bytes = reinterpret_cast<const uint8_t*>(data.data());
  size_t whole = data.size() / 64 * 64;
  for (size_t at = 0; at < whole; at += 64) compress(state, bytes + at);
  // The tail, a 1 bit, zeros, and the length in bits (big-endian) fill one or two more blocks.
  std::array<uint8_t, 128> tail{};
  const size_t rest = data.size() - whole;
  std::copy(bytes + whole, bytes + data.size(), tail.begin());
  tail[rest] = 0x80;
  const size_t tail_size = rest + 1 + 8 <= 64 ? 64 : 128;
  const uint64_t bits = static_cast<uint64_t>(data.size()) * 8;
  for (int i = 0; i < 8; ++i) tail[tail_size - 1 - i] = static_cast<uint8_t>(bits >> (8 * i));
  for (size_t at = 0; at < tail_size; at += 64) compress(state, tail.data() + at);
  std::string digest(32, '\0');
  for (size_t i = 0; i < 8; ++i) {
    for (size_t j = 0; j < 4; ++j) digest[4 * i + j] = static_cast<char>(state[i] >> (24 - 8 * j));
  }
  return digest;
}

const WebPage& web_page() {
  static const WebPage page = build_page();
  return page;
}

HttpResponse web_page_response(const HttpRequest& request) {
  const WebPage& page = web_page();
  HttpResponse response;
  response.content_type = "text/html; charset=utf-8";
  // Kept by browsers, revalidated on every load: a new binary's page is seen at once, and an
  // unchanged one costs a 304.
  response.headers = {{"Cache-Control", "no-cache"},
                      {"ETag", page.etag},
                      {"Content-Security-Policy", page.content_security_policy},
                      {"X-Content-Type-Options", "nosniff"},
                      {"Referrer-Policy", "no-referrer"},
                      {"X-Frame-Options", "DENY"}};
  if (matches(request.header("if-none-match"), page.etag)) {
    response.status = 304;
    return response;
  }
  response.status = 200;
  response.body = std::string(page.html);
  return response;
}

}  // namespace ocrserve
