// HTTPS listeners (inference_address=https://…, private_key_file, certificate_file): the real
// server binary with a throw-away self-signed certificate, spoken to by curl and by an OpenSSL
// client of its own, and the start-up errors of a wrong TLS configuration.
#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "support/ground_truth.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/prometheus.hpp"
#include "support/server_process.hpp"

namespace ocrserve {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::kData;
using test::ServerProcess;
using Clock = std::chrono::steady_clock;

std::string image(const std::string& name) { return test::slurp_text(kData / "demo" / name); }

// A TLS connection that checks the server's certificate against `ca` for 127.0.0.1.
class TlsClient {
 public:
  TlsClient(uint16_t port, const fs::path& ca) {
    context_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_load_verify_locations(context_, ca.c_str(), nullptr);
    SSL_CTX_set_verify(context_, SSL_VERIFY_PEER, nullptr);
    fd_ = test::connect_to(port);
    ssl_ = SSL_new(context_);
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), "127.0.0.1");
    SSL_set_fd(ssl_, fd_);
    connected_ = fd_ >= 0 && SSL_connect(ssl_) == 1;
    if (!connected_) ERR_clear_error();
  }
  ~TlsClient() { hang_up(); }

  bool connected() const { return connected_; }
  bool send(const std::string& data) {
    return connected_ && SSL_write(ssl_, data.data(), static_cast<int>(data.size())) == static_cast<int>(data.size());
  }
  test::HttpReply read_reply() {
    return test::read_reply_from([this](char* buffer, size_t size) -> ssize_t {
      return connected_ ? SSL_read(ssl_, buffer, static_cast<int>(size)) : -1;
    });
  }
  test::HttpReply request(const std::string& method, const std::string& target, const std::string& body = "") {
    send(method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body);
    return read_reply();
  }
  // Closes the TCP connection without a TLS close_notify, as a client that dies does. What the
  // server sent unasked (TLS 1.3 session tickets) is read first: unread, it makes the close a reset.
  void hang_up() {
    char sink[4096];
    pollfd readable{fd_, POLLIN, 0};
    while (fd_ >= 0 && poll(&readable, 1, 200) > 0 && recv(fd_, sink, sizeof sink, MSG_DONTWAIT) > 0) {
    }
    if (ssl_) SSL_free(ssl_);
    if (context_) SSL_CTX_free(context_);
    if (fd_ >= 0) close(fd_);
    ssl_ = nullptr;
    context_ = nullptr;
    fd_ = -1;
    connected_ = false;
  }

 private:
  SSL_CTX* context_ = nullptr;
  SSL* ssl_ = nullptr;
  int fd_ = -1;
  bool connected_ = false;
};

struct CurlReply {
  int exit_code = -1;
  std::string status;  // "200"; "000" when no answer came
  std::string body;
};

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ocrserve-tls-" + std::to_string(getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "store");
    make_certificate("server");
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path key(const std::string& name = "server") const { return dir_ / (name + ".key"); }
  fs::path certificate(const std::string& name = "server") const { return dir_ / (name + ".pem"); }

  // A self-signed pair for 127.0.0.1, made with the openssl command.
  void make_certificate(const std::string& name) {
    const auto made = test::run_process({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                                         "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                                         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout",
                                         key(name).string(), "-out", certificate(name).string()});
    ASSERT_EQ(made.exit_code, 0) << made.err;
  }

  // The three listeners on https://, with the server's pair.
  std::vector<std::string> https_config(std::vector<std::string> more = {}) const {
    std::vector<std::string> lines = {"inference_address=https://127.0.0.1:0", "management_address=https://127.0.0.1:0",
                                      "metrics_address=https://127.0.0.1:0", "private_key_file=" + key().string(),
                                      "certificate_file=" + certificate().string()};
    lines.insert(lines.end(), more.begin(), more.end());
    return lines;
  }

  // No model: for what needs only the listeners.
  std::vector<std::string> no_models() const { return {"--model-store", (dir_ / "store").string()}; }

  // curl, trusting only the test's certificate.
  CurlReply curl(uint16_t port, const std::string& target, std::vector<std::string> options = {}) const {
    std::vector<std::string> args = {"/usr/bin/curl", "-sS", "--max-time", "120", "--cacert", certificate().string(),
                                     "-w", "\n%{http_code}"};
    args.insert(args.end(), options.begin(), options.end());
    args.push_back("https://127.0.0.1:" + std::to_string(port) + target);
    const auto r = test::run_process(args);
    CurlReply reply{r.exit_code, "", r.out};
    const size_t last = r.out.rfind('\n');
    if (last != std::string::npos) {
      reply.status = r.out.substr(last + 1);
      reply.body = r.out.substr(0, last);
    }
    return reply;
  }

  // Starts a server that must fail; its exit code and log.
  std::pair<int, std::string> failed_start(const std::vector<std::string>& config_lines) const {
    ServerProcess server(no_models(), config_lines, dir_);
    EXPECT_FALSE(server.ready()) << server.banner;
    const int code = server.wait_exit(60);
    return {code, server.log()};
  }

  fs::path dir_;
};

TEST_F(TlsTest, HttpsListenersServeTheThreeApis) {
  ServerProcess server({}, https_config({"max_request_size=2000000"}), dir_);
  ASSERT_TRUE(server.ready()) << server.banner << server.log();
  EXPECT_NE(server.banner.find("Inference API bound to https://127.0.0.1:"), std::string::npos) << server.banner;
  EXPECT_NE(server.banner.find("Metrics API bound to https://127.0.0.1:"), std::string::npos) << server.banner;

  const auto ping = curl(server.inference, "/ping");
  ASSERT_EQ(ping.exit_code, 0) << ping.body;
  EXPECT_EQ(ping.status, "200");
  EXPECT_EQ(json::parse(ping.body)["status"], "Healthy");

  const auto rec = curl(server.inference, "/predictions/rec", {"-T", (kData / "demo" / "demo_text_recog.jpg").string()});
  ASSERT_EQ(rec.status, "200") << rec.body;
  EXPECT_EQ(json::parse(rec.body)["text"], "STAR");

  const auto models = curl(server.management, "/models");
  ASSERT_EQ(models.status, "200") << models.body;
  EXPECT_EQ(json::parse(models.body)["models"].size(), 3u);
  const auto metrics = curl(server.metrics, "/metrics");
  ASSERT_EQ(metrics.status, "200");
  EXPECT_GE(test::sample_value(metrics.body, "ts_inference_requests_total{model_name=\"rec\""), 1.0) << metrics.body;

  // Keep-alive: curl reuses its one connection for the second URL.
  const auto twice = test::run_process({"/usr/bin/curl", "-sS", "--cacert", certificate().string(), "-o", "/dev/null",
                                        "-o", "/dev/null", "-w", "%{http_code}:%{num_connects} ",
                                        "https://127.0.0.1:" + std::to_string(server.inference) + "/ping",
                                        "https://127.0.0.1:" + std::to_string(server.inference) + "/ping"});
  EXPECT_EQ(twice.out, "200:1 200:0 ") << twice.err;

  // Requests after requests on one TLS connection, an API error keeping it, 100-continue.
  TlsClient client(server.inference, certificate());
  ASSERT_TRUE(client.connected());
  EXPECT_EQ(client.request("GET", "/ping").status, 200);
  EXPECT_EQ(client.request("POST", "/predictions/nope", "x").status, 404);
  const std::string body = image("demo_text_recog.jpg");
  ASSERT_TRUE(client.send("POST /predictions/rec HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: " +
                          std::to_string(body.size()) + "\r\n\r\n"));
  EXPECT_EQ(client.read_reply().status, 100);
  client.send(body);
  const auto answer = client.read_reply();
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(json::parse(answer.body)["text"], "STAR");
  // Hanging up without close_notify, before a request or after one, is a client gone, not a
  // malformed request (no 400 in the log below).
  client.hang_up();
  TlsClient silent(server.inference, certificate());
  ASSERT_TRUE(silent.connected());
  silent.hang_up();

  // A body over max_request_size is refused from its header: the 413 comes with nothing sent.
  TlsClient big(server.inference, certificate());
  ASSERT_TRUE(big.send("PUT /predictions/det HTTP/1.1\r\nHost: x\r\nContent-Length: 1073741824\r\n\r\n"));
  const auto start = Clock::now();
  const auto refused = big.read_reply();
  EXPECT_EQ(refused.status, 413);
  EXPECT_EQ(json::parse(refused.body)["code"], 413);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(10));

  // TLS 1.2 and 1.3 are spoken; 1.1 is not, even to a client that would accept it.
  EXPECT_EQ(curl(server.inference, "/ping", {"--tlsv1.2", "--tls-max", "1.2"}).status, "200");
  EXPECT_EQ(curl(server.inference, "/ping", {"--tlsv1.3"}).status, "200");
  const auto old = curl(server.inference, "/ping", {"--tlsv1.1", "--tls-max", "1.1", "--ciphers", "DEFAULT@SECLEVEL=0"});
  EXPECT_NE(old.exit_code, 0);
  EXPECT_EQ(old.status, "000");
  EXPECT_EQ(server.stop(), 0);
  EXPECT_EQ(server.log().find("\" 400 "), std::string::npos) << server.log();
}

TEST_F(TlsTest, PlainHttpOrNoiseOnTheTlsPortIsRefusedAndServingGoesOn) {
  ServerProcess server(no_models(), https_config(), dir_);
  ASSERT_TRUE(server.ready()) << server.log();
  // Plain HTTP gets a plain-HTTP 400 that says what is wrong.
  const auto plain = test::http(server.inference, "GET", "/ping");
  EXPECT_EQ(plain.status, 400);
  EXPECT_EQ(json::parse(plain.body)["code"], 400);
  EXPECT_NE(json::parse(plain.body)["message"].get<std::string>().find("https://"), std::string::npos) << plain.body;
  EXPECT_EQ(plain.headers.at("connection"), "close");
  // Bytes that are not TLS close the connection at once.
  const int noise = test::connect_to(server.inference);
  ASSERT_GE(noise, 0);
  test::send_all(noise, std::string("SSH-2.0-OpenSSH_9.2\r\n") + std::string(64, '\x17'));
  const auto start = Clock::now();
  char byte;
  EXPECT_LE(recv(noise, &byte, 1, 0), 0);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(10));
  close(noise);
  // A client that does not trust the certificate gives up; the server does not mind.
  const auto untrusted = test::run_process({"/usr/bin/curl", "-sS", "https://127.0.0.1:" + std::to_string(server.inference) + "/ping"});
  EXPECT_EQ(untrusted.exit_code, 60) << untrusted.err;  // CURLE_PEER_FAILED_VERIFICATION
  for (int i = 0; i < 3; ++i) EXPECT_EQ(curl(server.inference, "/ping").status, "200");
  EXPECT_EQ(server.stop(), 0);
}

TEST_F(TlsTest, SilentAndStalledHandshakesAreDroppedAfterTheIdleTimeout) {
  ServerProcess server(no_models(), https_config({"ocrserve_idle_timeout=1"}), dir_);
  ASSERT_TRUE(server.ready()) << server.log();
  const int silent = test::connect_to(server.inference);
  const int stalled = test::connect_to(server.inference);
  ASSERT_GE(silent, 0);
  ASSERT_GE(stalled, 0);
  // The 5-byte header of a ClientHello record of 512 bytes, and nothing after it.
  test::send_all(stalled, std::string("\x16\x03\x01\x02\x00", 5));
  TlsClient idle(server.inference, certificate());  // a handshake, then nothing
  ASSERT_TRUE(idle.connected());
  const auto start = Clock::now();
  char byte;
  EXPECT_LE(recv(silent, &byte, 1, 0), 0);
  EXPECT_LE(recv(stalled, &byte, 1, 0), 0);
  EXPECT_EQ(idle.read_reply().status, 0);
  const auto waited = Clock::now() - start;
  EXPECT_GE(waited, std::chrono::milliseconds(500));
  EXPECT_LT(waited, std::chrono::seconds(10));
  close(silent);
  close(stalled);
  EXPECT_EQ(curl(server.inference, "/ping").status, "200");
  EXPECT_EQ(server.stop(), 0);
}

TEST_F(TlsTest, TlsClientsThatLeaveAreNoticedAndSigtermDrainsTlsRequests) {
  ServerProcess server({}, https_config(), dir_);
  ASSERT_TRUE(server.ready()) << server.log();
  const std::string page = image("demo_text_ocr.jpg");
  {
    std::vector<std::unique_ptr<TlsClient>> gone;
    for (int i = 0; i < 6; ++i) {
      gone.push_back(std::make_unique<TlsClient>(server.inference, certificate()));
      ASSERT_TRUE(gone.back()->send("POST /predictions/ocr HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                                    std::to_string(page.size()) + "\r\n\r\n" + page));
    }
  }  // all six hang up while their requests wait
  // A client whose close raced the server's TLS session ticket resets the connection, and its
  // request may be cut short (400): so wait for a dropped request, not for all six.
  double abandoned = 0;
  const auto deadline = Clock::now() + std::chrono::seconds(120);
  while (Clock::now() < deadline && abandoned < 1) {
    const auto metrics = curl(server.metrics, "/metrics").body;
    abandoned = test::sample_value(metrics, "ocrserve_abandoned_requests_total{model_name=\"ocr\"");
  }
  EXPECT_GE(abandoned, 1) << "every request of a departed TLS client was run";

  // SIGTERM with TLS requests in flight: each is answered in full or refused, none is cut.
  std::atomic<int> ok{0}, refused{0}, broken{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&] {
      TlsClient client(server.inference, certificate());
      const auto reply = client.request("POST", "/predictions/ocr", page);
      if (reply.status == 200 && json::parse(reply.body).size() >= 5) ++ok;
      else if (reply.status == 0 || reply.status == 503) ++refused;
      else ++broken;
    });
  }
  const auto queued = Clock::now() + std::chrono::seconds(60);
  while (Clock::now() < queued) {
    const auto described = curl(server.management, "/models/ocr");
    if (described.status == "200" && json::parse(described.body)[0]["jobQueueStatus"]["pendingRequests"].get<int>() >= 1) break;
  }
  EXPECT_EQ(server.stop(), 0);
  for (auto& client : clients) client.join();
  EXPECT_EQ(broken, 0);
  EXPECT_GE(ok, 1);
  EXPECT_EQ(ok + refused, 4);
}

TEST_F(TlsTest, WrongTlsConfigurationStopsStartUpWithAMessage) {
  const auto expect_refused = [&](const std::vector<std::string>& lines, const std::string& message) {
    const auto start = Clock::now();
    const auto [code, log] = failed_start(lines);
    EXPECT_EQ(code, 3) << log;
    EXPECT_NE(log.find(message), std::string::npos) << log;
    EXPECT_LT(Clock::now() - start, std::chrono::seconds(30));  // never waits for a passphrase
  };
  expect_refused({"inference_address=https://127.0.0.1:0"},
                 "inference_address is https:// but private_key_file and certificate_file (PEM files) are not both set");
  expect_refused({"management_address=https://127.0.0.1:0", "private_key_file=" + key().string()},
                 "management_address is https://");
  const fs::path nowhere = dir_ / "nowhere.pem";
  expect_refused(https_config({"certificate_file=" + nowhere.string()}),
                 "certificate_file=" + nowhere.string() + ": no such file");
  expect_refused(https_config({"certificate_file=" + key().string()}), "certificate_file=" + key().string() + ": not a PEM certificate");
  std::ofstream(dir_ / "garbage.key") << "not a key\n";
  expect_refused(https_config({"private_key_file=" + (dir_ / "garbage.key").string()}), ": not a PEM private key");
  make_certificate("other");
  expect_refused(https_config({"private_key_file=" + key("other").string()}),
                 "private_key_file=" + key("other").string() + " is not the key of certificate_file=" + certificate().string());
  const auto encrypted = test::run_process({"/usr/bin/openssl", "pkey", "-in", key().string(), "-aes256", "-passout",
                                            "pass:secret", "-out", (dir_ / "encrypted.key").string()});
  ASSERT_EQ(encrypted.exit_code, 0) << encrypted.err;
  expect_refused(https_config({"private_key_file=" + (dir_ / "encrypted.key").string()}), "the key is encrypted");
  if (geteuid() != 0) {  // root reads any file
    chmod(key().c_str(), 0);
    expect_refused(https_config(), "private_key_file=" + key().string() + ": cannot be read");
    chmod(key().c_str(), 0600);
  }
}

TEST_F(TlsTest, KeystoreIsRefusedWithCommandsThatConvertIt) {
  // TorchServe's Option 1: a PKCS12 keystore (made here from the pair, as keytool would).
  const auto exported = test::run_process({"/usr/bin/openssl", "pkcs12", "-export", "-inkey", key().string(), "-in",
                                           certificate().string(), "-passout", "pass:changeit", "-out",
                                           (dir_ / "keystore.p12").string()});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  const auto [code, log] = failed_start({"inference_address=https://127.0.0.1:0", "keystore=keystore.p12",
                                         "keystore_pass=changeit", "keystore_type=PKCS12"});
  EXPECT_EQ(code, 3) << log;
  EXPECT_NE(log.find("keystore=keystore.p12: Java keystores are not read by ocrserve"), std::string::npos) << log;
  EXPECT_EQ(log.find("changeit"), std::string::npos) << "the password is not repeated";
  // The commands the message gives, as written (plus the password openssl would ask for).
  std::string script = "cd '" + dir_.string() + "'\n";
  int commands = 0;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("  openssl ", 0) == 0) {
      script += line + " -passin pass:changeit\n";
      ++commands;
    }
  }
  EXPECT_EQ(commands, 3) << log;
  // docs/serving.md shows this message: its lines are the ones the server gives.
  const std::string docs = test::slurp(fs::path(OCRSERVE_SOURCE_DIR) / "docs" / "serving.md");
  std::istringstream shown(log);
  for (std::string line; std::getline(shown, line);) {
    if (line.rfind("  openssl ", 0) == 0 || line.rfind("(a JKS", 0) == 0) EXPECT_NE(docs.find(line + "\n"), std::string::npos) << line;
  }
  const auto converted = test::run_process({"/bin/bash", "-e", "-c", script});
  ASSERT_EQ(converted.exit_code, 0) << script << converted.err;
  ServerProcess server(no_models(), {"inference_address=https://127.0.0.1:0", "private_key_file=mykey.key",
                                     "certificate_file=mycert.pem"}, dir_);
  ASSERT_TRUE(server.ready()) << server.log();
  EXPECT_EQ(curl(server.inference, "/ping").status, "200");
  EXPECT_EQ(server.stop(), 0);
  // keystore_pass or keystore_type alone are refused too, without the password.
  const auto [pass_code, pass_log] = failed_start({"keystore_pass=changeit"});
  EXPECT_EQ(pass_code, 3);
  EXPECT_NE(pass_log.find("keystore_pass=…: Java keystores are not read"), std::string::npos) << pass_log;
  EXPECT_EQ(pass_log.find("changeit"), std::string::npos);
}

// Registration from an https:// URL: the archive is fetched over TLS when the server's
// certificate is trusted (here through SSL_CERT_FILE, as for any OpenSSL client) and names the
// host; with an untrusted certificate the download fails as TorchServe's does.
TEST_F(TlsTest, RegistrationFetchesHttpsArchivesFromTrustedServersOnly) {
  fs::create_directories(dir_ / "files");
  const auto archived = test::run_process({OCRSERVE_BINARY, "archive", "--model-dir", (test::kModels / "ppocr-rec").string(),
                                           "--model-name", "crnn", "--output-folder", (dir_ / "files").string()});
  ASSERT_EQ(archived.exit_code, 0) << archived.err;
  // openssl's own web server for the folder, on a port found free.
  const int probe = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(probe, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  socklen_t length = sizeof address;
  getsockname(probe, reinterpret_cast<sockaddr*>(&address), &length);
  const uint16_t port = ntohs(address.sin_port);
  close(probe);
  const std::string serve = "cd '" + (dir_ / "files").string() + "' && exec /usr/bin/openssl s_server -quiet -WWW -accept 127.0.0.1:" +
                            std::to_string(port) + " -cert '" + certificate().string() + "' -key '" + key().string() + "'";
  pid_t web = -1;
  const char* argv[] = {"/bin/sh", "-c", serve.c_str(), nullptr};
  ASSERT_EQ(posix_spawn(&web, "/bin/sh", nullptr, nullptr, const_cast<char**>(argv), environ), 0);
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  int ready = -1;
  while ((ready = test::connect_to(port)) < 0 && Clock::now() < deadline) std::this_thread::yield();
  if (ready >= 0) close(ready);
  const std::string url = "https://localhost:" + std::to_string(port) + "/crnn.mar";

  {
    ServerProcess trusting({"--model-store", (dir_ / "store").string(), "--enable-model-api"}, {}, dir_, false,
                           {"SSL_CERT_FILE=" + certificate().string()});
    ASSERT_TRUE(trusting.ready()) << trusting.log();
    const auto registered = test::http(trusting.management, "POST", "/models?url=" + url + "&initial_workers=1");
    EXPECT_EQ(registered.status, 200) << registered.body << trusting.log();
    EXPECT_TRUE(fs::exists(dir_ / "store" / "crnn.mar"));
    const auto read = test::http(trusting.inference, "POST", "/predictions/crnn",
                                 test::slurp_text(kData / "demo" / "demo_text_recog.jpg"));
    EXPECT_EQ(json::parse(read.body)["text"], "STAR");
    EXPECT_EQ(test::http(trusting.management, "DELETE", "/models/crnn").status, 200);
  }
  {
    ServerProcess untrusting({"--model-store", (dir_ / "store").string(), "--enable-model-api"}, {}, dir_);
    ASSERT_TRUE(untrusting.ready()) << untrusting.log();
    const auto refused = test::http(untrusting.management, "POST", "/models?url=" + url);
    EXPECT_EQ(refused.status, 400) << refused.body;
    EXPECT_EQ(json::parse(refused.body)["type"], "DownloadArchiveException");
    EXPECT_FALSE(fs::exists(dir_ / "store" / "crnn.mar"));
  }
  kill(web, SIGTERM);
  waitpid(web, nullptr, 0);
}

}  // namespace
}  // namespace ocrserve
