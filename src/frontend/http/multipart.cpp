#include "frontend/http/multipart.hpp"

#include <algorithm>

#include "ocrserve/error.hpp"

namespace ocrserve {
namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

// The value of `key` in a header like: form-data; name="data"; filename="a.jpg"
std::string parameter(const std::string& header, const std::string& key) {
  const std::string lowered = lower(header);
  size_t at = 0;
  while ((at = lowered.find(key + "=", at)) != std::string::npos) {
    if (at == 0 || lowered[at - 1] == ' ' || lowered[at - 1] == ';') break;
    at += key.size();
  }
  if (at == std::string::npos) return "";
  size_t start = at + key.size() + 1;
  if (start < header.size() && header[start] == '"') {
    const size_t end = header.find('"', start + 1);
    return header.substr(start + 1, end == std::string::npos ? std::string::npos : end - start - 1);
  }
  const size_t end = header.find(';', start);
  std::string value = header.substr(start, end == std::string::npos ? std::string::npos : end - start);
  value.erase(value.find_last_not_of(" \t") + 1);
  return value;
}

}  // namespace

std::optional<std::string> multipart_boundary(const std::string& content_type) {
  if (lower(content_type).rfind("multipart/form-data", 0) != 0) return std::nullopt;
  std::string boundary = parameter(content_type, "boundary");
  if (boundary.empty()) return std::nullopt;
  return boundary;
}

std::vector<FormPart> parse_multipart(const std::string& body, const std::string& boundary) {
  const std::string delimiter = "--" + boundary;
  std::vector<FormPart> parts;
  size_t at = body.find(delimiter);
  if (at == std::string::npos) throw Error(ErrorKind::bad_input, "multipart body without its boundary");
  while (true) {
    at += delimiter.size();
    if (body.compare(at, 2, "--") == 0) break;  // closing delimiter
    if (body.compare(at, 2, "\r\n") != 0) throw Error(ErrorKind::bad_input, "malformed multipart delimiter line");
    at += 2;
    const size_t headers_end = body.find("\r\n\r\n", at);
    if (headers_end == std::string::npos) throw Error(ErrorKind::bad_input, "multipart part without a header end");
    FormPart part;
    size_t line_start = at;
    while (line_start < headers_end) {
      size_t line_end = body.find("\r\n", line_start);
      if (line_end == std::string::npos || line_end > headers_end) line_end = headers_end;
      const std::string line = body.substr(line_start, line_end - line_start);
      const size_t colon = line.find(':');
      if (colon != std::string::npos) {
        const std::string name = lower(line.substr(0, colon));
        std::string value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(" \t"));
        if (name == "content-disposition") {
          part.name = parameter(value, "name");
          part.filename = parameter(value, "filename");
        } else if (name == "content-type") {
          part.content_type = value;
        }
      }
      line_start = line_end + 2;
    }
    const size_t content_start = headers_end + 4;
    const size_t next = body.find("\r\n" + delimiter, content_start);
    if (next == std::string::npos) throw Error(ErrorKind::bad_input, "multipart body is truncated (no closing boundary)");
    part.body = body.substr(content_start, next - content_start);
    parts.push_back(std::move(part));
    at = next + 2;
  }
  return parts;
}

}  // namespace ocrserve
