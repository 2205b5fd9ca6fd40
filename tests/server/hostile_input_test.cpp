// The attacks of issue 13, each replayed against the real server binary (or the CLI): every one
// must be refused with the right code, quickly, and leave the server answering others.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <zip.h>

#include <atomic>
#include <fstream>
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
using test::http;
using test::kData;
using test::kModels;
using test::ServerProcess;

std::string demo(const std::string& name) { return test::slurp_text(kData / "demo" / name); }

std::string be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

// The first 33 bytes of a PNG whose header claims `side` x `side` pixels: all a bomb needs.
std::string png_header(uint32_t side) {
  return std::string("\x89PNG\r\n\x1a\n", 8) + be32(13) + "IHDR" + be32(side) + be32(side) + std::string("\x08\x02\0\0\0\0\0\0\0", 9);
}

// A zip holding `entries` (name → content), written with libzip.
void write_zip(const fs::path& path, const std::vector<std::pair<std::string, std::string>>& entries) {
  int error = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  for (const auto& [name, content] : entries) {
    zip_file_add(archive, name.c_str(), zip_source_buffer(archive, content.data(), content.size(), 0), 0);
  }
  zip_close(archive);
}

// The files of a default package, as zip entries under `prefix`, with `replace` swapped in.
std::vector<std::pair<std::string, std::string>> package_entries(const std::string& package,
                                                                 const std::map<std::string, std::string>& replace) {
  std::vector<std::pair<std::string, std::string>> entries = {
      {"MAR-INF/MANIFEST.json", R"({"runtime": "ocrserve", "model": {"modelName": "evil", "modelVersion": "1.0"}})"}};
  for (const auto& file : fs::directory_iterator(kModels / package)) {
    const std::string name = file.path().filename().string();
    entries.emplace_back(name, replace.count(name) ? replace.at(name) : test::slurp_text(file.path()));
  }
  for (const auto& [name, content] : replace) {
    if (name == "MAR-INF/MANIFEST.json") entries[0].second = content;
  }
  return entries;
}

// The most memory the process has held (VmHWM), in MiB.
double peak_rss_mib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024;
  }
  return -1;
}

std::string message(const test::HttpReply& reply) {
  try {
    return json::parse(reply.body).value("message", "");
  } catch (const json::exception&) {
    return "";
  }
}

class HostileInput : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ocrserve-hostile-" + std::to_string(getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "store");
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
};

TEST_F(HostileInput, PackagesCannotNameFilesOutsideThemselves) {
  // S1: a dictionary (or network) named outside the package would be read and returned as text.
  std::string pipeline = test::slurp_text(kModels / "ppocr-rec" / "pipeline.json");
  const size_t at = pipeline.find("ppocr_keys_v1.txt");
  ASSERT_NE(at, std::string::npos);
  for (const std::string evil : {"/etc/passwd", "../../../../etc/passwd"}) {
    std::string changed = pipeline;
    changed.replace(at, std::string("ppocr_keys_v1.txt").size(), evil);
    write_zip(dir_ / "store" / "evil.mar", package_entries("ppocr-rec", {{"pipeline.json", changed}}));
    ServerProcess server({"--model-store", (dir_ / "store").string(), "--models", "evil.mar"}, {}, dir_);
    EXPECT_EQ(server.wait_exit(60), 3) << evil;
    EXPECT_NE(server.log().find("outside the package directory"), std::string::npos) << server.log();
    EXPECT_EQ(server.log().find("root:"), std::string::npos);
  }
  // A symbolic link inside a package directory that points away is refused by infer too.
  fs::copy(kModels / "ppocr-rec", dir_ / "linked");
  fs::remove(dir_ / "linked" / "ppocr_keys_v1.txt");
  fs::create_symlink("/etc/passwd", dir_ / "linked" / "ppocr_keys_v1.txt");
  const auto r = test::run_process({OCRSERVE_BINARY, "infer", "-m", (dir_ / "linked").string(),
                                    (kData / "demo/demo_text_recog.jpg").string()});
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_NE(r.err.find("outside the package directory"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("root"), std::string::npos);
}

TEST_F(HostileInput, ArchivesWithPermissionBitsOnlyAreOrdinaryFiles) {
  // Python's zipfile.writestr stores mode 0600 without a file type: that is a regular file, not
  // a link; the refusal of links and devices must not catch it.
  auto entries = package_entries("ppocr-rec", {});
  int error = 0;
  zip_t* archive = zip_open((dir_ / "store" / "python.mar").c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  for (const auto& [name, content] : entries) {
    const zip_int64_t index =
        zip_file_add(archive, name.c_str(), zip_source_buffer(archive, content.data(), content.size(), 0), 0);
    zip_file_set_external_attributes(archive, index, 0, ZIP_OPSYS_UNIX, 0600u << 16);
  }
  zip_close(archive);
  ServerProcess server({"--model-store", (dir_ / "store").string(), "--models", "python.mar"}, {}, dir_);
  ASSERT_TRUE(server.ready()) << server.log();
  const auto reply = http(server.inference, "POST", "/predictions/evil", demo("demo_text_recog.jpg"));
  EXPECT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(json::parse(reply.body)["text"], "STAR");
}

TEST_F(HostileInput, DeepJsonLongNamesAndTooManyWorkersAreRefused) {
  // C3-C7: nesting 100,000 deep, 30,000-character names and URLs, 99,999 workers.
  const std::string deep(100000, '[');
  write_zip(dir_ / "store" / "deep-manifest.mar", package_entries("ppocr-rec", {{"MAR-INF/MANIFEST.json", deep}}));
  write_zip(dir_ / "store" / "deep-deploy.mar", package_entries("ppocr-rec", {{"deploy.json", deep}}));
  fs::copy(kModels / "ppocr-rec", dir_ / "store" / "rec");
  ServerProcess server({"--model-store", (dir_ / "store").string(), "--models", "rec", "--enable-model-api"},
                       {"ocrserve_max_workers_per_model=4"}, dir_);
  ASSERT_TRUE(server.ready()) << server.log();

  for (const char* mar : {"deep-manifest.mar", "deep-deploy.mar"}) {
    const auto reply = http(server.management, "POST", std::string("/models?url=") + mar);
    EXPECT_EQ(reply.status, 400) << reply.body;
    EXPECT_NE(message(reply).find("nested deeper than"), std::string::npos) << reply.body;
  }
  const auto body = http(server.management, "POST", "/models", "{\"url\": " + deep, "application/json");
  EXPECT_EQ(body.status, 400);
  EXPECT_NE(message(body).find("nested deeper than"), std::string::npos) << body.body;

  const std::string long_name(30000, 'a');
  const auto named = http(server.management, "POST", "/models?url=rec&model_name=" + long_name);
  EXPECT_EQ(named.status, 400);
  EXPECT_NE(message(named).find("at most 255 characters"), std::string::npos) << named.body.substr(0, 300);
  const auto url = http(server.management, "POST", "/models?url=file:///" + long_name);
  EXPECT_EQ(url.status, 400);
  EXPECT_NE(message(url).find("longer than the limit"), std::string::npos) << url.body.substr(0, 300);

  const auto workers = http(server.management, "POST", "/models?url=rec&model_name=many&initial_workers=99999");
  EXPECT_EQ(workers.status, 400);
  EXPECT_NE(message(workers).find("exceed the limit of 4"), std::string::npos) << workers.body;
  EXPECT_EQ(http(server.management, "PUT", "/models/rec?min_worker=5").status, 400);
  // A response_timeout too large for a clock still registers a model that answers.
  const auto huge = http(server.management, "POST", "/models?url=rec&model_name=patient&initial_workers=1"
                                                      "&response_timeout=9223372036854775");
  EXPECT_EQ(huge.status, 200) << huge.body;
  const auto answer = http(server.inference, "POST", "/predictions/patient", demo("demo_text_recog.jpg"));
  EXPECT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(http(server.inference, "GET", "/ping").status, 200);

  // The CLI reads the same files: a clear error and exit 3, not a crash.
  fs::create_directories(dir_ / "deep");
  for (const auto& file : fs::directory_iterator(kModels / "ppocr-rec")) fs::copy(file.path(), dir_ / "deep");
  std::ofstream(dir_ / "deep" / "pipeline.json", std::ios::trunc) << deep;
  const auto r = test::run_process({OCRSERVE_BINARY, "infer", "-m", (dir_ / "deep").string(),
                                    (kData / "demo/demo_text_recog.jpg").string()});
  EXPECT_EQ(r.exit_code, 3) << r.err;
}

TEST_F(HostileInput, ImageBudgetsAreCheckedFromHeadersBeforeDecoding) {
  ServerProcess server({}, {}, dir_);
  ASSERT_TRUE(server.ready()) << server.log();
  // C1: 20 images claiming 10000x10000 each (2 gigapixels) in one small request.
  std::vector<std::pair<std::string, std::string>> bombs;
  for (int i = 0; i < 20; ++i) bombs.emplace_back("data", png_header(10000));
  const auto many_pixels = http(server.inference, "POST", "/predictions/ocr", test::multipart(bombs, "xyz"),
                                "multipart/form-data; boundary=xyz");
  EXPECT_EQ(many_pixels.status, 413);
  EXPECT_NE(message(many_pixels).find("ocrserve_max_request_pixels"), std::string::npos) << many_pixels.body;

  // D1: thousands of tiny images in one request.
  std::vector<std::pair<std::string, std::string>> tiny(65, {"data", demo("demo_text_recog.jpg")});
  const auto many_images = http(server.inference, "POST", "/predictions/rec", test::multipart(tiny, "xyz"),
                                "multipart/form-data; boundary=xyz");
  EXPECT_EQ(many_images.status, 413);
  EXPECT_NE(message(many_images).find("ocrserve_max_images_per_request"), std::string::npos) << many_images.body;

  // C2: a TIFF claiming 30000x30000 — its size is read from the first IFD.
  std::string tiff("II*\0\x08\0\0\0", 8);
  tiff += std::string("\x02\0", 2) + std::string("\0\x01\x04\0\x01\0\0\0", 8) + std::string("\x30\x75\0\0", 4) +
          std::string("\x01\x01\x04\0\x01\0\0\0", 8) + std::string("\x30\x75\0\0", 4) + std::string(4, '\0');
  const auto tiff_reply = http(server.inference, "POST", "/predictions/det", tiff);
  EXPECT_EQ(tiff_reply.status, 413) << tiff_reply.body;

  // D1: a progressive JPEG of 150 scans.
  std::string jpeg("\xFF\xD8\xFF\xC2\x00\x0B\x08\x00\x10\x00\x10\x01\x01\x11\x00", 15);
  for (int i = 0; i < 150; ++i) jpeg += std::string("\xFF\xDA\x00\x08\x01\x01\x00\x00\x3F\x00\x00", 11);
  jpeg += "\xFF\xD9";
  const auto scans = http(server.inference, "POST", "/predictions/det", jpeg);
  EXPECT_EQ(scans.status, 400);
  EXPECT_NE(message(scans).find("more than 100 scans"), std::string::npos) << scans.body;

  const auto gif = http(server.inference, "POST", "/predictions/det", std::string("GIF89a\x10\0\x10\0\0\0\0;", 13));
  EXPECT_EQ(gif.status, 400);
  EXPECT_NE(message(gif).find("GIF images cannot be read"), std::string::npos) << gif.body;

  // Found by fuzzing: a WebP header over a DICOM body made OpenCV hand it to GDCM, which aborted.
  const auto dicom = http(server.inference, "POST", "/predictions/rec",
                          test::slurp_text(fs::path(OCRSERVE_SOURCE_DIR) / "fuzz/regressions/image_decode/webp-header-dicom-body.webp"));
  EXPECT_EQ(dicom.status, 400);
  EXPECT_NE(message(dicom).find("DICOM signature"), std::string::npos) << dicom.body;

  const auto fine = http(server.inference, "POST", "/predictions/rec", demo("demo_text_recog.jpg"));
  EXPECT_EQ(fine.status, 200);
  EXPECT_EQ(json::parse(fine.body)["text"], "STAR");
  EXPECT_LT(peak_rss_mib(server.pid()), 1024);
}

TEST_F(HostileInput, OnlyChunkedTransferCodingIsAccepted) {
  // A body in an unknown coding would otherwise be read as a second, smuggled request.
  ServerProcess server({}, {}, dir_);
  ASSERT_TRUE(server.ready()) << server.log();
  const std::string smuggled = "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n";
  const int fd = test::connect_to(server.inference);
  ASSERT_TRUE(test::send_all(fd, "POST /predictions/rec HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n" + smuggled));
  std::string all;
  char buffer[4096];
  for (ssize_t n; (n = recv(fd, buffer, sizeof buffer, 0)) > 0;) all.append(buffer, static_cast<size_t>(n));
  close(fd);
  EXPECT_EQ(all.rfind("HTTP/1.1 501", 0), 0u) << all;
  EXPECT_EQ(all.find("HTTP/1.1", 1), std::string::npos) << "a second response was sent: " << all;
  EXPECT_NE(all.find("Connection: close"), std::string::npos);
}

// As in TorchServe, an error the API answers keeps the connection; only a refused message closes it.
// An HTTP/1.0 client that asks for keep-alive is told so.
TEST_F(HostileInput, ApiErrorsKeepTheConnectionAndHttp10KeepAliveIsAnswered) {
  ServerProcess server({}, {}, dir_);
  ASSERT_TRUE(server.ready()) << server.log();
  const int fd = test::connect_to(server.inference);
  ASSERT_TRUE(test::send_all(fd, "GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n"));
  const auto missing = test::read_reply(fd);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.headers.count("connection"), 0u);  // HTTP/1.1: persistent unless closed
  ASSERT_TRUE(test::send_all(fd, "POST /predictions/rec HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"));
  EXPECT_EQ(test::read_reply(fd).status, 400);  // not an image: answered, connection kept
  ASSERT_TRUE(test::send_all(fd, "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(test::read_reply(fd).status, 200);
  close(fd);

  const int old = test::connect_to(server.inference);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(test::send_all(old, "GET /ping HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    const auto reply = test::read_reply(old);
    EXPECT_EQ(reply.status, 200) << i;
    EXPECT_EQ(reply.headers.at("connection"), "keep-alive") << i;
  }
  ASSERT_TRUE(test::send_all(old, "GET /ping HTTP/1.0\r\n\r\n"));  // no keep-alive: closed after the answer
  const auto last = test::read_reply(old);
  EXPECT_EQ(last.status, 200);
  EXPECT_EQ(last.headers.at("connection"), "close");
  char byte;
  EXPECT_EQ(recv(old, &byte, 1, 0), 0);
  close(old);
}

TEST_F(HostileInput, OversizedUploadsGet413NotAReset) {
  // The client keeps sending the body it announced; it must still read the 413.
  ServerProcess server({}, {"max_request_size=100000"}, dir_);
  ASSERT_TRUE(server.ready()) << server.log();
  const std::string chunk(64 * 1024, 'x');
  for (int attempt = 0; attempt < 5; ++attempt) {
    const int fd = test::connect_to(server.inference);
    ASSERT_GE(fd, 0);
    std::thread sender([&] {
      test::send_all(fd, "POST /predictions/rec HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n");
      for (int i = 0; i < 30 && test::send_all(fd, chunk); ++i) {
      }
    });
    const auto reply = test::read_reply(fd);
    sender.join();
    close(fd);
    EXPECT_EQ(reply.status, 413) << "attempt " << attempt;
  }
}

TEST_F(HostileInput, SlowUploadsCannotHoldMoreThanTheUploadBudget) {
  // D8: uploads that have announced more than ocrserve_max_upload_memory together are refused.
  ServerProcess server({}, {"ocrserve_max_upload_memory=1000000"}, dir_);
  ASSERT_TRUE(server.ready()) << server.log();
  // A slow upload announces 800 kB and sends a few bytes. Its reservation is made when its
  // headers are read, so poll until a second upload is refused because of it (alone it fits).
  // Either may reach the server first: if the second one was, the slow one is refused instead
  // and is started again.
  const auto start_slow = [&] {
    const int fd = test::connect_to(server.inference);
    test::send_all(fd, "POST /predictions/rec HTTP/1.1\r\nHost: x\r\nContent-Length: 800000\r\n\r\npartial");
    return fd;
  };
  int slow = start_slow();
  test::HttpReply refused;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  const std::string body(300000, 'x');
  while (refused.status != 503 && std::chrono::steady_clock::now() < deadline) {
    refused = http(server.inference, "POST", "/predictions/rec", body);
    char answered;
    if (refused.status != 503 && recv(slow, &answered, 1, MSG_DONTWAIT) > 0) {  // the slow one was refused
      close(slow);
      slow = start_slow();
    }
  }
  EXPECT_EQ(refused.status, 503);
  EXPECT_NE(message(refused).find("ocrserve_max_upload_memory"), std::string::npos) << refused.body;
  EXPECT_EQ(refused.headers["retry-after"], "1");  // as every 503: the client may retry
  close(slow);  // the reservation goes with the connection
  test::HttpReply accepted;
  const auto image = demo("demo_text_recog.jpg");
  while (accepted.status != 200 && std::chrono::steady_clock::now() < deadline) {
    accepted = http(server.inference, "POST", "/predictions/rec", image);
  }
  EXPECT_EQ(accepted.status, 200) << accepted.body;
}

TEST_F(HostileInput, RequestsOfClientsThatLeftAreNotRun) {
  // D1: a client that hangs up while queued costs no worker time.
  ServerProcess server({}, {}, dir_);
  ASSERT_TRUE(server.ready()) << server.log();
  const std::string page = demo("demo_text_ocr.jpg");
  std::vector<int> gone;
  for (int i = 0; i < 6; ++i) {
    const int fd = test::connect_to(server.inference);
    test::send_all(fd, "POST /predictions/ocr HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(page.size()) +
                           "\r\n\r\n" + page);
    gone.push_back(fd);
  }
  for (int fd : gone) close(fd);
  // Poll until the queue is empty: every job was either run or dropped.
  double abandoned = 0, run = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline && abandoned + run < 6) {
    const auto metrics = http(server.metrics, "GET", "/metrics").body;
    const auto value = [&](const std::string& name) {
      return std::max(0.0, test::sample_value(metrics, name + "{model_name=\"ocr\""));  // none yet: 0
    };
    abandoned = value("ocrserve_abandoned_requests_total");
    run = value("ts_inference_requests_total") - abandoned;
  }
  EXPECT_GE(abandoned, 1) << "every request of a departed client was run";
  const auto after = http(server.inference, "POST", "/predictions/rec", demo("demo_text_recog.jpg"));
  EXPECT_EQ(after.status, 200);
}

TEST_F(HostileInput, PingAnswersWhileAModelLoads) {
  // D5: with one I/O thread, a registration on it would stall every other request.
  fs::copy(kModels / "ppocr-det", dir_ / "store" / "det");
  fs::copy(kModels / "ppocr-rec", dir_ / "store" / "rec");
  ServerProcess server({"--model-store", (dir_ / "store").string(), "--models", "rec", "--enable-model-api"},
                       {"number_of_netty_threads=1"}, dir_);
  ASSERT_TRUE(server.ready()) << server.log();
  std::atomic<bool> registered{false};
  std::thread registering([&] {
    const auto reply = http(server.management, "POST", "/models?url=det&initial_workers=4&synchronous=true");
    EXPECT_EQ(reply.status, 200) << reply.body;
    registered = true;
  });
  // On the I/O thread, at most the one ping that waited for the registration could complete
  // before it; off it, pings keep being answered while four workers load.
  int answered_during = 0;
  while (!registered) {
    if (http(server.inference, "GET", "/ping").status == 200 && !registered) ++answered_during;
  }
  registering.join();
  EXPECT_GE(answered_during, 3);
}

TEST_F(HostileInput, ShutdownKeepsItsDeadlineAndAnswersEveryClient) {
  // D4: queued work past the deadline is answered 503 unrun; computed answers are written.
  ServerProcess server({}, {"default_response_timeout=2"}, dir_);
  ASSERT_TRUE(server.ready()) << server.log();
  std::atomic<int> ok{0}, refused{0}, lost{0};
  std::vector<std::thread> clients;
  const std::string page = demo("demo_text_ocr.jpg");
  for (int c = 0; c < 12; ++c) {
    clients.emplace_back([&] {
      const auto reply = http(server.inference, "POST", "/predictions/ocr", page);
      if (reply.status == 200) ++ok;
      else if (reply.status == 503) ++refused;
      else ++lost;
    });
  }
  // Stop once every request has reached the server: answered, or queued behind the worker
  // (seen in the model's description), the one being run aside.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    const auto described = http(server.management, "GET", "/models/ocr");
    if (described.status == 200 && json::parse(described.body)[0]["jobQueueStatus"]["pendingRequests"].get<int>() + ok >= 11) break;
  }
  const auto stopping = std::chrono::steady_clock::now();
  EXPECT_EQ(server.stop(), 0);
  const auto took = std::chrono::steady_clock::now() - stopping;
  for (auto& client : clients) client.join();
  EXPECT_EQ(lost, 0) << "a client got no answer";
  EXPECT_EQ(ok + refused, 12);
  // The deadline (2 s) plus the batch being run and the final flush; far from "every job".
  EXPECT_LT(took, std::chrono::seconds(30));
}

TEST_F(HostileInput, ExpiredKeysAreRotatedWithTheApiKey) {
  // S2: once the keys expire, /token issues fresh ones instead of locking everyone out.
  ServerProcess server({}, {"disable_token_authorization=false", "token_expiration_min=0.1"}, dir_);
  ASSERT_TRUE(server.ready()) << server.log();
  const auto keys = json::parse(test::slurp_text(dir_ / "key_file.json"));
  const auto bearer = [](const json& key) {
    return std::map<std::string, std::string>{{"Authorization", "Bearer " + key.get<std::string>()}};
  };
  EXPECT_EQ(http(server.inference, "GET", "/ping", "", "", bearer(keys["inference"]["key"])).status, 200);
  // Wait for the 6 s expiry by polling, then rotate.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  int status = 200;
  while (status == 200 && std::chrono::steady_clock::now() < deadline) {
    status = http(server.inference, "GET", "/ping", "", "", bearer(keys["inference"]["key"])).status;
  }
  EXPECT_EQ(status, 400);
  EXPECT_EQ(http(server.management, "GET", "/token?type=inference", "", "", bearer(keys["inference"]["key"])).status, 400);
  EXPECT_EQ(http(server.management, "GET", "/token?type=other", "", "", bearer(keys["API"]["key"])).status, 400);
  const auto rotated = http(server.management, "GET", "/token?type=inference", "", "", bearer(keys["API"]["key"]));
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  const json fresh = json::parse(rotated.body)["inference"]["key"];
  EXPECT_NE(fresh, keys["inference"]["key"]);
  EXPECT_EQ(json::parse(test::slurp_text(dir_ / "key_file.json"))["inference"]["key"], fresh);
  EXPECT_EQ(http(server.inference, "GET", "/ping", "", "", bearer(fresh)).status, 200);
}

TEST_F(HostileInput, AtTheDescriptorLimitTheServerWaitsInsteadOfSpinning) {
  // D6: a server out of descriptors retried its failing accept at once and spun a core. It now
  // stops accepting 32 descriptors short of the limit and waits for a connection to close.
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  const rlimit low{80, limit.rlim_max};
  setrlimit(RLIMIT_NOFILE, &low);  // the server inherits it
  // The HTTP listeners' headroom alone: gRPC's own descriptors (epoll, listeners) are not counted.
  ServerProcess server({}, {"enable_grpc=false"}, dir_);
  setrlimit(RLIMIT_NOFILE, &limit);
  ASSERT_TRUE(server.ready()) << server.log();
  const auto descriptors = [&] {
    return std::distance(fs::directory_iterator("/proc/" + std::to_string(server.pid()) + "/fd"), fs::directory_iterator{});
  };
  const auto cpu_seconds = [&] {
    std::ifstream in("/proc/" + std::to_string(server.pid()) + "/stat");
    std::string field;
    double ticks = 0;
    for (int i = 1; i <= 15 && in >> field; ++i) {
      if (i == 14 || i == 15) ticks += std::stod(field);  // utime, stime
    }
    return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
  };
  const long idle = descriptors();
  std::vector<int> held;
  for (int i = 0; i < 100; ++i) held.push_back(test::connect_to(server.inference));
  // It accepts up to 48 connections (80 - 32), whatever it held before.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (descriptors() < idle + 40 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GE(descriptors(), idle + 40);
  // What the server burns while it can accept no more: a rate, so measured over a fixed time.
  const double before = cpu_seconds();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_LT(cpu_seconds() - before, 1.0) << "the accept loop spins";
  EXPECT_LE(descriptors(), 80 - 16) << "no descriptors left for anything else";
  for (int fd : held) close(fd);
  test::HttpReply ping;
  while (ping.status != 200 && std::chrono::steady_clock::now() < deadline + std::chrono::seconds(30)) {
    ping = http(server.inference, "GET", "/ping");
  }
  EXPECT_EQ(ping.status, 200);
  EXPECT_EQ(server.stop(), 0) << server.log();
}

TEST_F(HostileInput, ExtractionsOfKilledServersAreRemoved) {
  // A server killed with SIGKILL leaves its extracted archives in $TMPDIR; the next start removes them.
  const fs::path stale = dir_ / "ocrserve-model-4194303-0-1";  // above any pid this machine hands out
  fs::create_directories(stale / "det");
  ServerProcess server({}, {}, dir_);
  ASSERT_TRUE(server.ready()) << server.log();
  EXPECT_FALSE(fs::exists(stale));
}

}  // namespace
}  // namespace ocrserve
