#pragma once
// A minimal blocking HTTP/1.1 client for server tests: one request per connection.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <string>

namespace ocrserve::test {

struct HttpReply {
  int status = 0;  // 0: no answer (connection refused or closed early)
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

inline int connect_to(uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval timeout{180, 0};  // an ASan build on a busy machine can take a minute for one OCR request
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

inline bool send_all(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

// Reads one response (Content-Length or until close) from `receive`, which reads like recv(2)
// into (buffer, size): a plain socket below, a TLS connection in tls_test.cpp.
template <class Receive>
HttpReply read_reply_from(Receive receive) {
  std::string data;
  char buffer[65536];
  size_t header_end = std::string::npos;
  size_t need = std::string::npos;
  HttpReply reply;
  while (true) {
    if (header_end != std::string::npos && need != std::string::npos && data.size() >= header_end + 4 + need) break;
    const ssize_t n = receive(buffer, sizeof buffer);
    if (n <= 0) break;
    data.append(buffer, static_cast<size_t>(n));
    if (header_end == std::string::npos && (header_end = data.find("\r\n\r\n")) != std::string::npos) {
      const std::string head = data.substr(0, header_end);
      reply.status = std::stoi(head.substr(9, 3));
      size_t line = head.find("\r\n");
      while (line != std::string::npos) {
        const size_t next = head.find("\r\n", line + 2);
        const std::string text = head.substr(line + 2, next == std::string::npos ? std::string::npos : next - line - 2);
        const size_t colon = text.find(':');
        if (colon != std::string::npos) {
          std::string name = text.substr(0, colon);
          for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          reply.headers[name] = text.substr(text.find_first_not_of(' ', colon + 1));
        }
        line = next;
      }
      if (reply.headers.count("content-length")) need = std::stoul(reply.headers["content-length"]);
      if (reply.status == 100) {  // interim answer: the caller decides what to send next
        data.erase(0, header_end + 4);
        return reply;
      }
    }
  }
  if (header_end != std::string::npos) reply.body = data.substr(header_end + 4, need);
  return reply;
}

inline HttpReply read_reply(int fd) {
  return read_reply_from([fd](char* buffer, size_t size) { return recv(fd, buffer, size, 0); });
}

inline HttpReply http(uint16_t port, const std::string& method, const std::string& target, const std::string& body = "",
                      const std::string& content_type = "application/octet-stream",
                      const std::map<std::string, std::string>& headers = {}) {
  const int fd = connect_to(port);
  if (fd < 0) return {};
  std::string request = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
  if (!body.empty() || method == "POST" || method == "PUT") {
    request += "Content-Type: " + content_type + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  request += "\r\n" + body;
  HttpReply reply;
  if (send_all(fd, request)) reply = read_reply(fd);
  close(fd);
  return reply;
}

inline std::string multipart(const std::vector<std::pair<std::string, std::string>>& parts, const std::string& boundary) {
  std::string body;
  for (const auto& [name, content] : parts) {
    body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\"" + name +
            ".jpg\"\r\nContent-Type: image/jpeg\r\n\r\n" + content + "\r\n";
  }
  return body + "--" + boundary + "--\r\n";
}

}  // namespace ocrserve::test
