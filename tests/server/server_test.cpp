// The real server binary on loopback ports, spoken to over real HTTP.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <zip.h>

#include <atomic>
#include <fstream>
#include <regex>
#include <set>
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
using test::http;
using test::kData;
using test::kModels;
using test::ServerProcess;
using test::sample_value;

std::string image(const std::string& name) { return test::slurp_text(kData / "demo" / name); }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// How many lines of `log` match `pattern` (an ECMAScript regex, searched in each line).
size_t count_lines(const std::string& log, const std::string& pattern) {
  const std::regex expression(pattern);
  size_t count = 0;
  for (const auto& line : lines_of(log)) count += std::regex_search(line, expression);
  return count;
}

// The start of a log line in TorchServe's console layout: ISO 8601 time, [LEVEL], the logger.
const std::string kInfo = R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d,\d{3} \[INFO \] )";
// TorchServe's access-log line: /address:port "METHOD TARGET PROTOCOL" status milliseconds.
const std::string kAccess = kInfo + R"(ACCESS_LOG - /127\.0\.0\.1:\d+ )";
const std::string kStopped = kInfo + R"(ocrserve - ocrserve stopped \(SIGTERM, drained in \d+ ms\)$)";


class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ocrserve-server-" + std::to_string(getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "store");
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A .mar of a default package in the test's store.
  void archive(const std::string& package, const std::string& name, const std::string& version = "1.0") {
    const auto r = test::run_process({OCRSERVE_BINARY, "archive", "--model-dir", (kModels / package).string(), "--model-name",
                                      name, "--output-folder", (dir_ / "store").string(), "--version", version});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  fs::path dir_;
};

// --precision int8 serves det, rec and ocr from the int8 packages setup made: the management API
// names them, and they read the demo pictures.
TEST_F(ServerTest, PrecisionInt8ServesTheInt8DefaultPackages) {
  ServerProcess server({"--precision", "int8"}, {}, dir_);
  ASSERT_TRUE(server.ready()) << server.banner << server.log();
  const auto described = http(server.management, "GET", "/models/rec");
  ASSERT_EQ(described.status, 200) << described.body;
  EXPECT_NE(json::parse(described.body)[0]["modelUrl"].get<std::string>().find("ppocr-rec-int8"), std::string::npos)
      << described.body;
  const auto rec = http(server.inference, "POST", "/predictions/rec", image("demo_text_recog.jpg"));
  ASSERT_EQ(rec.status, 200) << rec.body;
  EXPECT_EQ(json::parse(rec.body)["text"], "STAR");
  const auto ocr = http(server.inference, "POST", "/predictions/ocr", image("demo_text_ocr.jpg"));
  ASSERT_EQ(ocr.status, 200) << ocr.body;
  std::multiset<std::string> texts;
  for (const auto& item : json::parse(ocr.body)) texts.insert(item["text"].get<std::string>());
  EXPECT_EQ(texts.count("SALE"), 2u) << ocr.body;
  EXPECT_EQ(texts.count("ALL YEAR"), 1u) << ocr.body;
}

TEST_F(ServerTest, DefaultModelsAnswerTheSeedsRequests) {
  ServerProcess server({}, {}, dir_);
  ASSERT_TRUE(server.ready()) << server.banner << server.log();

  const auto ping = http(server.inference, "GET", "/ping");
  EXPECT_EQ(ping.status, 200);
  EXPECT_EQ(json::parse(ping.body)["status"], "Healthy");

  // curl -T sends PUT; TorchServe accepts any method on /predictions.
  const auto det = http(server.inference, "PUT", "/predictions/det", image("demo_text_det.jpg"));
  ASSERT_EQ(det.status, 200) << det.body;
  EXPECT_EQ(det.headers.at("content-type"), "application/json");
  EXPECT_TRUE(det.headers.count("x-request-id"));
  const auto boxes = json::parse(det.body)["boundary_result"];
  EXPECT_GE(boxes.size(), 9u);
  for (const auto& box : boxes) EXPECT_EQ(box.size(), 9u);

  const auto rec = http(server.inference, "POST", "/predictions/rec", image("demo_text_recog.jpg"));
  ASSERT_EQ(rec.status, 200) << rec.body;
  EXPECT_EQ(json::parse(rec.body)["text"], "STAR");

  const auto ocr = http(server.inference, "POST", "/predictions/ocr", image("demo_text_ocr.jpg"));
  ASSERT_EQ(ocr.status, 200) << ocr.body;
  std::string texts;
  for (const auto& item : json::parse(ocr.body)) texts += item["text"].get<std::string>() + " ";
  EXPECT_NE(texts.find("SALE"), std::string::npos) << texts;

  // Several images in one multipart request: one result per image, in order.
  const auto batch = http(server.inference, "POST", "/predictions/rec/1.0",
                          test::multipart({{"data", image("demo_text_recog.jpg")}, {"file", image("broken.jpg")}}, "XyZ"),
                          "multipart/form-data; boundary=XyZ");
  ASSERT_EQ(batch.status, 200) << batch.body;
  const auto results = json::parse(batch.body);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0]["text"], "STAR");
  EXPECT_EQ(results[1]["code"], 400);

  const auto options = http(server.inference, "OPTIONS", "/");
  EXPECT_EQ(options.status, 200);
  EXPECT_EQ(json::parse(options.body)["openapi"], "3.0.1");
  EXPECT_EQ(server.stop(), 0);
}

TEST_F(ServerTest, ErrorsAreTorchServesJson) {
  ServerProcess server({}, {"max_request_size=2000000"}, dir_);
  ASSERT_TRUE(server.ready()) << server.log();
  struct Case {
    std::string method, target, body;
    int status;
    std::string type;
  };
  const std::vector<Case> cases = {
      {"POST", "/predictions/nope", image("demo_text_recog.jpg"), 404, "ModelNotFoundException"},
      {"POST", "/predictions/rec/9.9", image("demo_text_recog.jpg"), 404, "ModelVersionNotFoundException"},
      {"POST", "/predictions/rec", image("broken.jpg"), 400, "BadRequestException"},
      {"POST", "/predictions/rec", "not an image at all", 400, "BadRequestException"},
      {"POST", "/predictions/rec", "", 400, "BadRequestException"},
      {"GET", "/no/such/thing", "", 404, "ResourceNotFoundException"},
      {"DELETE", "/", "", 405, "MethodNotAllowedException"},
  };
  for (const auto& c : cases) {
    const auto reply = http(server.inference, c.method, c.target, c.body);
    EXPECT_EQ(reply.status, c.status) << c.target << ": " << reply.body;
    const auto body = json::parse(reply.body);
    EXPECT_EQ(body["code"], c.status);
    EXPECT_EQ(body["type"], c.type) << c.target;
    EXPECT_FALSE(body["message"].get<std::string>().empty());
  }
  const auto missing = http(server.inference, "POST", "/predictions/nope", "x");
  EXPECT_EQ(json::parse(missing.body)["message"], "Model not found: nope");
  // The server is still healthy after all of that.
  EXPECT_EQ(http(server.inference, "GET", "/ping").status, 200);
}

TEST_F(ServerTest, OversizedUploadIsRefusedBeforeItsBodyIsRead) {
  ServerProcess server({}, {"max_request_size=2000000"}, dir_);
  ASSERT_TRUE(server.ready()) << server.log();
  // Announce 1 GB and send nothing: the answer must come from the headers alone.
  const int fd = test::connect_to(server.inference);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(test::send_all(fd, "PUT /predictions/det HTTP/1.1\r\nHost: x\r\nContent-Length: 1073741824\r\n\r\n"));
  const auto start = std::chrono::steady_clock::now();
  const auto reply = test::read_reply(fd);
  close(fd);
  EXPECT_EQ(reply.status, 413);
  EXPECT_EQ(json::parse(reply.body)["code"], 413);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));

  // A chunked body that grows past the limit is cut off with 413 as well.
  const int chunked = test::connect_to(server.inference);
  std::string request = "POST /predictions/det HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::string chunk(1 << 20, 'a');
  char size_line[32];
  std::snprintf(size_line, sizeof size_line, "%zx\r\n", chunk.size());
  for (int i = 0; i < 3; ++i) request += size_line + chunk + "\r\n";
  test::send_all(chunked, request);
  EXPECT_EQ(test::read_reply(chunked).status, 413);
  close(chunked);

  // Expect: 100-continue under the limit gets its 100 and then the answer.
  const int expect = test::connect_to(server.inference);
  const std::string body = image("demo_text_recog.jpg");
  test::send_all(expect, "POST /predictions/rec HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: " +
                             std::to_string(body.size()) + "\r\n\r\n");
  EXPECT_EQ(test::read_reply(expect).status, 100);
  test::send_all(expect, body);
  const auto answer = test::read_reply(expect);
  close(expect);
  EXPECT_EQ(answer.status, 200);
  EXPECT_EQ(json::parse(answer.body)["text"], "STAR");
}

TEST_F(ServerTest, ManagementListsDescribesScalesAndGuardsRegistration) {
  archive("ppocr-rec", "crnn");
  ServerProcess server({"--model-store", (dir_ / "store").string(), "--models", "crnn=crnn.mar"}, {}, dir_);
  ASSERT_TRUE(server.ready()) << server.log();

  auto list = json::parse(http(server.management, "GET", "/models").body);
  ASSERT_EQ(list["models"].size(), 1u);
  EXPECT_EQ(list["models"][0]["modelName"], "crnn");
  EXPECT_EQ(list["models"][0]["modelUrl"], "crnn.mar");

  auto described = json::parse(http(server.management, "GET", "/models/crnn").body);
  ASSERT_EQ(described.size(), 1u);
  EXPECT_EQ(described[0]["modelVersion"], "1.0");
  EXPECT_EQ(described[0]["batchSize"], 1);
  EXPECT_EQ(described[0]["workers"].size(), 1u);
  EXPECT_EQ(described[0]["workers"][0]["status"], "READY");

  const auto scaled = http(server.management, "PUT", "/models/crnn?min_worker=2&synchronous=true");
  EXPECT_EQ(scaled.status, 200) << scaled.body;
  EXPECT_EQ(json::parse(scaled.body)["status"], "Workers scaled to 2 for model: crnn");
  EXPECT_EQ(json::parse(http(server.management, "GET", "/models/crnn").body)[0]["workers"].size(), 2u);
  EXPECT_EQ(http(server.management, "PUT", "/models/crnn?min_worker=3&max_worker=1").status, 400);
  EXPECT_EQ(http(server.management, "PUT", "/models/crnn?min_worker=1&synchronous=TRUE").status, 200);
  EXPECT_EQ(http(server.inference, "POST", "/predictions/crnn", image("demo_text_recog.jpg")).status, 200);

  // Registration is off unless enabled, as in TorchServe 0.11.1+.
  const auto refused = http(server.management, "POST", "/models?url=crnn.mar&model_name=other");
  EXPECT_EQ(refused.status, 405);
  EXPECT_EQ(json::parse(refused.body)["type"], "MethodNotAllowedException");
  EXPECT_EQ(http(server.management, "DELETE", "/models/crnn").status, 405);
  EXPECT_EQ(http(server.management, "GET", "/models/ghost").status, 404);
}

// TorchServe scales asynchronously unless asked (synchronous defaults to false for PUT and to true
// for registration): 202 at once, the workers afterwards. Management calls run one after another,
// so a later synchronous call's answer means the earlier work is done.
TEST_F(ServerTest, AsynchronousScalingAndRegistrationAnswer202ThenStartWorkers) {
  archive("ppocr-rec", "crnn");
  archive("ppocr-det", "dbnet");
  ServerProcess server({"--model-store", (dir_ / "store").string(), "--models", "crnn=crnn.mar", "--enable-model-api"}, {}, dir_);
  ASSERT_TRUE(server.ready()) << server.log();

  const auto scaling = http(server.management, "PUT", "/models/crnn?min_worker=3&max_worker=4");
  EXPECT_EQ(scaling.status, 202) << scaling.body;
  EXPECT_EQ(json::parse(scaling.body)["status"], "Processing worker updates...");
  const auto registering = http(server.management, "POST", "/models?url=dbnet.mar&initial_workers=2&synchronous=false");
  EXPECT_EQ(registering.status, 202) << registering.body;
  EXPECT_EQ(json::parse(registering.body)["status"], "Processing worker updates...");
  // Registered before the answer: a second registration of it is a conflict, not a new model.
  EXPECT_EQ(http(server.management, "POST", "/models?url=dbnet.mar").status, 409);

  const auto crnn = json::parse(http(server.management, "GET", "/models/crnn").body)[0];
  EXPECT_EQ(crnn["workers"].size(), 3u);
  EXPECT_EQ(crnn["minWorkers"], 3);
  EXPECT_EQ(crnn["maxWorkers"], 4);
  const auto dbnet = json::parse(http(server.management, "GET", "/models/dbnet").body)[0];
  EXPECT_EQ(dbnet["workers"].size(), 2u);
  EXPECT_EQ(dbnet["minWorkers"], 2);
  EXPECT_EQ(http(server.inference, "POST", "/predictions/dbnet", image("demo_text_det.jpg")).status, 200);

  // A registration that fails is still answered with its error, never with 202.
  EXPECT_EQ(http(server.management, "POST", "/models?url=ghost.mar&initial_workers=1&synchronous=false").status, 404);
  const auto json_body = http(server.management, "POST", "/models", R"({"url": "crnn.mar", "model_name": "crnn_b",
      "initial_workers": 1, "synchronous": "false"})", "application/json");
  EXPECT_EQ(json_body.status, 202) << json_body.body;
  EXPECT_EQ(http(server.management, "PUT", "/models/crnn?min_worker=1&synchronous=true").status, 200);
  EXPECT_EQ(json::parse(http(server.management, "GET", "/models/crnn_b").body)[0]["workers"].size(), 1u);
}

// TorchServe's other prediction paths reach the same model; explanations are refused honestly.
TEST_F(ServerTest, InvocationsInvokeLegacyPredictAndExplanations) {
  ServerProcess server({}, {}, dir_);
  ASSERT_TRUE(server.ready()) << server.log();
  for (const std::string path : {"/invocations?model_name=rec", "/models/rec/invoke", "/rec/predict", "/rec/1.0/predict"}) {
    const auto reply = http(server.inference, "POST", path, image("demo_text_recog.jpg"));
    ASSERT_EQ(reply.status, 200) << path << ": " << reply.body;
    EXPECT_EQ(json::parse(reply.body)["text"], "STAR") << path;
  }
  // Three start-up models: /invocations must be told which.
  const auto unnamed = http(server.inference, "POST", "/invocations", image("demo_text_recog.jpg"));
  EXPECT_EQ(unnamed.status, 400);
  EXPECT_EQ(json::parse(unnamed.body)["message"], "Parameter model_name is required.");
  EXPECT_EQ(http(server.inference, "POST", "/rec/9.9/predict", image("demo_text_recog.jpg")).status, 404);
  EXPECT_EQ(http(server.inference, "POST", "/models/rec/other", image("demo_text_recog.jpg")).status, 404);

  const auto explain = http(server.inference, "POST", "/explanations/rec", image("demo_text_recog.jpg"));
  EXPECT_EQ(explain.status, 501);
  EXPECT_EQ(json::parse(explain.body)["code"], 501);
  EXPECT_EQ(json::parse(explain.body)["type"], "NotImplementedException");
  EXPECT_EQ(http(server.inference, "POST", "/explanations/ghost", image("demo_text_recog.jpg")).status, 404);
}

TEST_F(ServerTest, InvocationsWithOneStartupModelNeedNoName) {
  archive("ppocr-rec", "crnn");
  ServerProcess server({"--model-store", (dir_ / "store").string(), "--models", "crnn=crnn.mar"}, {}, dir_);
  ASSERT_TRUE(server.ready()) << server.log();
  const auto reply = http(server.inference, "POST", "/invocations", image("demo_text_recog.jpg"));
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(json::parse(reply.body)["text"], "STAR");
}

// --model-store without --models loads nothing, as TorchServe does (models come over the API).
TEST_F(ServerTest, ModelStoreWithoutModelsLoadsNothing) {
  archive("ppocr-rec", "crnn");
  ServerProcess server({"--model-store", (dir_ / "store").string()}, {}, dir_);
  ASSERT_TRUE(server.ready()) << server.log();
  EXPECT_EQ(json::parse(http(server.management, "GET", "/models").body), json::parse(R"({"models": []})"));
  EXPECT_EQ(http(server.inference, "GET", "/ping").status, 200);
  EXPECT_EQ(http(server.inference, "POST", "/predictions/ocr", image("demo_text_det.jpg")).status, 404);
}

// config.properties' models={...} sets workers, batching, timeout and the default version of the
// models loaded at start-up.
TEST_F(ServerTest, ModelsBlockOfTheConfigAppliesToStartupModels) {
  archive("ppocr-rec", "crnn");
  archive("ppocr-rec", "crnn2", "2.0");
  ServerProcess server({}, {"model_store=" + (dir_ / "store").string(), "load_models=crnn=crnn.mar,crnn=crnn2.mar",
                            "models={\\",
                            "  \"crnn\": {\\",
                            "    \"1.0\": {\"minWorkers\": 2, \"maxWorkers\": 3, \"batchSize\": \"4\", \"maxBatchDelay\": 50,"
                            " \"responseTimeout\": 30, \"marName\": \"crnn.mar\"},\\",
                            "    \"2.0\": {\"defaultVersion\": true}\\",
                            "  }\\",
                            "}"},
                       dir_);
  ASSERT_TRUE(server.ready()) << server.log();
  const auto versions = json::parse(http(server.management, "GET", "/models/crnn/all").body);
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_EQ(versions[0]["modelVersion"], "2.0");  // the default comes first
  EXPECT_EQ(versions[0]["workers"].size(), 1u);
  EXPECT_EQ(versions[0]["batchSize"], 1);
  const auto first = json::parse(http(server.management, "GET", "/models/crnn/1.0").body)[0];
  EXPECT_EQ(first["workers"].size(), 2u);
  EXPECT_EQ(first["minWorkers"], 2);
  EXPECT_EQ(first["maxWorkers"], 3);
  EXPECT_EQ(first["batchSize"], 4);
  EXPECT_EQ(first["maxBatchDelay"], 50);
  EXPECT_EQ(first["responseTimeout"], 30);
  EXPECT_EQ(json::parse(http(server.management, "GET", "/models/crnn").body)[0]["modelVersion"], "2.0");
}

TEST_F(ServerTest, RegistrationStaysInsideTheStoreAndAllowedUrls) {
  archive("ppocr-rec", "crnn");
  archive("ppocr-rec", "crnn2", "2.0");
  archive("ppocr-det", "dbnet");
  fs::copy(dir_ / "store" / "crnn2.mar", dir_ / "outside.mar");
  // An operator's allowed_urls replaces TorchServe's allow-everything default.
  ServerProcess server({"--model-store", (dir_ / "store").string(), "--models", "crnn.mar", "--enable-model-api"},
                       {"allowed_urls=https://models[.]example[.]com/.*"}, dir_);
  ASSERT_TRUE(server.ready()) << server.log();

  auto reg = http(server.management, "POST", "/models?url=dbnet.mar&initial_workers=1&batch_size=4&max_batch_delay=20");
  ASSERT_EQ(reg.status, 200) << reg.body;
  EXPECT_EQ(json::parse(reg.body)["status"], "Model \"dbnet\" Version: 1.0 registered with 1 initial workers");
  EXPECT_EQ(json::parse(http(server.management, "GET", "/models/dbnet").body)[0]["batchSize"], 4);
  EXPECT_EQ(http(server.inference, "PUT", "/predictions/dbnet", image("demo_text_det.jpg")).status, 200);
  EXPECT_EQ(http(server.management, "POST", "/models?url=dbnet.mar").status, 409);

  const auto no_workers = http(server.management, "POST", "/models?url=crnn2.mar&model_name=crnn");
  ASSERT_EQ(no_workers.status, 200) << no_workers.body;
  EXPECT_NE(json::parse(no_workers.body)["status"].get<std::string>().find("0 initial workers"), std::string::npos);
  const auto all = json::parse(http(server.management, "GET", "/models/crnn/all").body);
  EXPECT_EQ(all.size(), 2u);
  const auto unserved = http(server.inference, "POST", "/predictions/crnn/2.0", image("demo_text_recog.jpg"));
  EXPECT_EQ(unserved.status, 503);
  EXPECT_EQ(json::parse(unserved.body)["type"], "ServiceUnavailableException");
  EXPECT_EQ(http(server.management, "PUT", "/models/crnn/2.0/set-default").status, 200);
  EXPECT_EQ(http(server.management, "DELETE", "/models/crnn/1.0").status, 200);

  for (const std::string& url : {std::string("../outside.mar"), "file://" + (dir_ / "outside.mar").string(), dir_.string(),
                                  std::string("http://169.254.169.254/latest/x.mar"), std::string("sub%2F..%2Fx.mar")}) {
    const auto bad = http(server.management, "POST", "/models?url=" + url);
    EXPECT_EQ(bad.status, 404) << url << ": " << bad.body;
  }
  EXPECT_EQ(http(server.management, "POST", "/models").status, 400);

  const auto gone = http(server.management, "DELETE", "/models/dbnet");
  EXPECT_EQ(gone.status, 200);
  EXPECT_EQ(json::parse(gone.body)["status"], "Model \"dbnet\" unregistered");
  EXPECT_EQ(http(server.inference, "POST", "/predictions/dbnet", image("demo_text_det.jpg")).status, 404);
}

// Writes a zip holding a manifest and one entry with the given name (and optional symlink mode).
void hostile_zip(const fs::path& path, const std::string& entry, bool symlink) {
  int error = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  const std::string manifest = R"({"runtime": "python", "model": {"modelName": "evil", "modelVersion": "1.0"}})";
  zip_file_add(archive, "MAR-INF/MANIFEST.json", zip_source_buffer(archive, manifest.data(), manifest.size(), 0), 0);
  const std::string payload = symlink ? "/etc/passwd" : "pwned";
  const zip_int64_t index = zip_file_add(archive, entry.c_str(), zip_source_buffer(archive, payload.data(), payload.size(), 0), 0);
  if (symlink) zip_file_set_external_attributes(archive, index, 0, ZIP_OPSYS_UNIX, (S_IFLNK | 0777) << 16);
  zip_close(archive);
}

TEST_F(ServerTest, HostileArchivesAreRefused) {
  hostile_zip(dir_ / "store" / "slip.mar", "../../escaped.txt", false);
  hostile_zip(dir_ / "store" / "absolute.mar", "/tmp/ocrserve-absolute.txt", false);
  hostile_zip(dir_ / "store" / "link.mar", "deploy.json", true);
  std::ofstream(dir_ / "store" / "garbage.mar") << "PK not really a zip";
  archive("ppocr-rec", "crnn");
  ServerProcess server({"--model-store", (dir_ / "store").string(), "--models", "crnn.mar", "--enable-model-api"}, {}, dir_);
  ASSERT_TRUE(server.ready()) << server.log();
  for (const char* mar : {"slip.mar", "absolute.mar", "link.mar", "garbage.mar"}) {
    const auto reply = http(server.management, "POST", std::string("/models?url=") + mar);
    EXPECT_EQ(reply.status, 400) << mar << ": " << reply.body;
    EXPECT_NE(json::parse(reply.body)["message"].get<std::string>().find(mar), std::string::npos) << reply.body;
  }
  EXPECT_FALSE(fs::exists(dir_ / "escaped.txt"));
  EXPECT_FALSE(fs::exists(dir_.parent_path() / "escaped.txt"));
  EXPECT_FALSE(fs::exists("/tmp/ocrserve-absolute.txt"));
  EXPECT_EQ(http(server.inference, "GET", "/ping").status, 200);

  // At start-up a hostile archive is a clear error and a non-zero exit.
  ServerProcess refused({"--model-store", (dir_ / "store").string(), "--models", "slip.mar"}, {}, dir_ / "store");
  EXPECT_EQ(refused.wait_exit(30), 3);
  EXPECT_NE(refused.log().find("slip.mar"), std::string::npos) << refused.log();
}

TEST_F(ServerTest, MetricsUseTorchServeNamesAndFilter) {
  ServerProcess server({}, {}, dir_);
  ASSERT_TRUE(server.ready()) << server.log();
  for (int i = 0; i < 3; ++i) http(server.inference, "POST", "/predictions/rec", image("demo_text_recog.jpg"));
  const auto metrics = http(server.metrics, "GET", "/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.headers.at("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(metrics.body.find("ts_inference_requests_total{model_name=\"rec\",model_version=\"default\",hostname="),
            std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("\",} 3.0"), std::string::npos);
  for (const char* name : {"ts_inference_latency_microseconds", "ts_queue_latency_microseconds", "ocrserve_queue_depth",
                           "ocrserve_workers", "ocrserve_batch_size_bucket", "ocrserve_process_resident_memory_bytes",
                           "Requests2XX"}) {
    EXPECT_NE(metrics.body.find(name), std::string::npos) << name;
  }
  // `ocrserve bench --url` drives the same server and reports what it measured.
  const auto bench = test::run_process({OCRSERVE_BINARY, "bench", "--url",
                                        "http://127.0.0.1:" + std::to_string(server.inference) + "/predictions/rec",
                                        "--concurrency", "4", "--requests", "12", (kData / "demo/demo_text_recog.jpg").string(),
                                        "--json", (dir_ / "bench.json").string()});
  ASSERT_EQ(bench.exit_code, 0) << bench.err;
  const auto record = json::parse(test::slurp_text(dir_ / "bench.json"));
  EXPECT_EQ(record["requests"], 12);
  EXPECT_EQ(record["errors"], 0);
  EXPECT_GT(record["throughput"].get<double>(), 0);
  EXPECT_LE(record["p50_ms"].get<double>(), record["p99_ms"].get<double>());
  const auto filtered = http(server.metrics, "GET", "/metrics?name[]=ts_queue_latency_microseconds");
  EXPECT_NE(filtered.body.find("ts_queue_latency_microseconds"), std::string::npos);
  EXPECT_EQ(filtered.body.find("ts_inference_requests_total"), std::string::npos);
}

TEST_F(ServerTest, MetricsHaveTorchServesGaugesAndHostMetrics) {
  ServerProcess server({}, {}, dir_);
  ASSERT_TRUE(server.ready()) << server.log();
  ASSERT_EQ(http(server.inference, "POST", "/predictions/rec", image("demo_text_recog.jpg")).status, 200);
  ASSERT_EQ(http(server.inference, "POST", "/predictions/rec/1.0", image("demo_text_recog.jpg")).status, 200);
  const std::string body = http(server.metrics, "GET", "/metrics").body;

  // Queue latency per request, labelled with the version as the URL gave it.
  EXPECT_GE(test::sample_value(body, "ts_queue_latency_microseconds{model_name=\"rec\",model_version=\"default\","), 0) << body;
  EXPECT_GE(test::sample_value(body, "ts_queue_latency_microseconds{model_name=\"rec\",model_version=\"1.0\","), 0) << body;
  EXPECT_NE(body.find("# TYPE QueueTime gauge"), std::string::npos);
  EXPECT_GE(test::sample_value(body, "QueueTime{Level=\"Host\",Hostname="), 0);
  EXPECT_GE(test::sample_value(body, "WorkerThreadTime{Level=\"Host\",Hostname="), 0);
  // Loading a worker's pipeline takes some milliseconds; the name is TorchServe's W-<port>-<model>_<version>.
  EXPECT_GT(test::sample_value(body, "WorkerLoadTime{WorkerName=\"W-9000-rec_1.0\",Level=\"Host\","), 0) << body;

  const double cpu = test::sample_value(body, "CPUUtilization{Level=\"Host\",");
  EXPECT_GE(cpu, 0);
  EXPECT_LE(cpu, 100);
  // Memory as /proc/meminfo says, within what can change between the two readings.
  std::ifstream meminfo("/proc/meminfo");
  double total_kb = 0;
  for (std::string key; meminfo >> key;) {
    if (key == "MemTotal:") meminfo >> total_kb;
  }
  const double used = test::sample_value(body, "MemoryUsed{Level=\"Host\","), available = test::sample_value(body, "MemoryAvailable{Level=\"Host\",");
  EXPECT_NEAR(used + available, total_kb / 1024.0, 1.0);
  EXPECT_NEAR(test::sample_value(body, "MemoryUtilization{Level=\"Host\","), 100.0 * used / (used + available), 0.01);
  struct statvfs disk {};
  ASSERT_EQ(statvfs("/", &disk), 0);
  const double gigabyte = 1024.0 * 1024.0 * 1024.0;
  EXPECT_NEAR(test::sample_value(body, "DiskAvailable{Level=\"Host\","), static_cast<double>(disk.f_bavail) * disk.f_frsize / gigabyte, 1.0);
  EXPECT_GT(test::sample_value(body, "DiskUsage{Level=\"Host\","), 0);
  const double disk_percent = test::sample_value(body, "DiskUtilization{Level=\"Host\",");
  EXPECT_GT(disk_percent, 0);
  EXPECT_LE(disk_percent, 100);
}

TEST_F(ServerTest, ConcurrentClientsGetTheirOwnAnswers) {
  ServerProcess server({"--workers", "2", "--batch-size", "8", "--max-batch-delay", "5"}, {}, dir_);
  ASSERT_TRUE(server.ready()) << server.log();
  // Each word image has one right answer; 32 clients send them interleaved.
  const auto labels = json::parse(test::slurp_text(kData / "rec_toy" / "labels.json"));
  std::vector<std::pair<std::string, std::string>> words;  // image bytes, the single-request answer
  for (const auto& item : labels["data_list"]) {
    const std::string bytes = test::slurp_text(kData / "rec_toy" / item["img_path"].get<std::string>());
    const auto reply = http(server.inference, "POST", "/predictions/rec", bytes);
    ASSERT_EQ(reply.status, 200);
    words.emplace_back(bytes, json::parse(reply.body)["text"]);
  }
  std::atomic<int> wrong{0}, failed{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 32; ++c) {
    clients.emplace_back([&, c] {
      for (int r = 0; r < 4; ++r) {
        const auto& [bytes, expected] = words[(c + r) % words.size()];
        const auto reply = http(server.inference, "POST", "/predictions/rec", bytes);
        if (reply.status != 200) {
          ++failed;
        } else if (json::parse(reply.body)["text"] != expected) {
          ++wrong;
        }
      }
    });
  }
  for (auto& client : clients) client.join();
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(wrong, 0);
  // Batching happened: more batches in all than batches of one image.
  const auto metrics = http(server.metrics, "GET", "/metrics?name[]=ocrserve_batch_size").body;
  const double singles =
      sample_value(metrics, "ocrserve_batch_size_bucket{model_name=\"rec\",model_version=\"1.0\",hostname=\"");
  const double batches = sample_value(metrics, "ocrserve_batch_size_count{model_name=\"rec\"");
  EXPECT_GE(singles, 0) << metrics;
  EXPECT_GT(batches, singles) << metrics;
}

TEST_F(ServerTest, ASingleWorkerWaitsForAFullerBatch) {
  // TorchServe's rule: the worker holds the first request up to max_batch_delay for more.
  ServerProcess server({"--workers", "1", "--batch-size", "4", "--max-batch-delay", "1000"}, {}, dir_);
  ASSERT_TRUE(server.ready()) << server.log();
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&] { ok += http(server.inference, "POST", "/predictions/rec", image("demo_text_recog.jpg")).status == 200; });
  }
  for (auto& client : clients) client.join();
  EXPECT_EQ(ok, 4);
  const auto metrics = http(server.metrics, "GET", "/metrics?name[]=ocrserve_batch_size").body;
  EXPECT_EQ(sample_value(metrics, "ocrserve_batch_size_sum{model_name=\"rec\""), 4) << metrics;
  EXPECT_LT(sample_value(metrics, "ocrserve_batch_size_count{model_name=\"rec\""), 4) << metrics;
}

TEST_F(ServerTest, FullQueueAnswers503WithRetryAfter) {
  ServerProcess server({}, {"job_queue_size=1"}, dir_);
  ASSERT_TRUE(server.ready()) << server.log();
  std::atomic<int> ok{0}, busy{0}, other{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 12; ++c) {
    clients.emplace_back([&] {
      const auto reply = http(server.inference, "POST", "/predictions/ocr", image("demo_text_det.jpg"));
      if (reply.status == 200) ++ok;
      else if (reply.status == 503 && reply.headers.count("retry-after")) ++busy;
      else ++other;
    });
  }
  for (auto& client : clients) client.join();
  EXPECT_GE(ok, 1);
  EXPECT_GE(busy, 1);
  EXPECT_EQ(other, 0);
}

// default_response_timeout: one worker, a backlog of OCR requests (each takes well over 30
// ms); those that wait longer than a second for the worker are answered 503 (with the reason)
// when their second is up, instead of being run late.
TEST_F(ServerTest, RequestsQueuedPastTheResponseTimeoutAreNotRun) {
  ServerProcess server({}, {"default_response_timeout=1", "default_workers_per_model=1"}, dir_);
  ASSERT_TRUE(server.ready()) << server.log();
  std::atomic<int> ok{0}, timed_out{0}, other{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 32; ++c) {
    clients.emplace_back([&] {
      const auto reply = http(server.inference, "POST", "/predictions/ocr", image("demo_text_ocr.jpg"));
      if (reply.status == 200) ++ok;
      else if (reply.status == 503 && reply.body.find("response_timeout (1 s)") != std::string::npos) ++timed_out;
      else ++other;
    });
  }
  for (auto& client : clients) client.join();
  EXPECT_GE(ok, 1);
  EXPECT_GE(timed_out, 1);
  EXPECT_EQ(other, 0);
  const auto metrics = http(server.metrics, "GET", "/metrics");
  EXPECT_NE(metrics.body.find("ocrserve_timed_out_requests_total{model_name=\"ocr\""), std::string::npos);
}

TEST_F(ServerTest, SigtermLetsInFlightRequestsFinish) {
  ServerProcess server({}, {}, dir_);
  ASSERT_TRUE(server.ready()) << server.log();
  std::atomic<int> ok{0}, refused{0}, broken{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 8; ++c) {
    clients.emplace_back([&] {
      const auto reply = http(server.inference, "POST", "/predictions/ocr", image("demo_text_ocr.jpg"));
      if (reply.status == 200 && json::parse(reply.body).size() >= 5) ++ok;
      else if (reply.status == 0 || reply.status == 503) ++refused;
      else ++broken;
    });
  }
  // Stop once requests wait in the queue (the model's description says so), not after a guess.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    const auto described = http(server.management, "GET", "/models/ocr");
    if (described.status == 200 && json::parse(described.body)[0]["jobQueueStatus"]["pendingRequests"].get<int>() >= 1) break;
  }
  EXPECT_EQ(server.stop(), 0);
  for (auto& client : clients) client.join();
  EXPECT_EQ(broken, 0);
  EXPECT_GE(ok, 1);  // at least the requests already queued were answered in full
  EXPECT_EQ(ok + refused, 8);
}

TEST_F(ServerTest, CompareAgreesWithTheServerAndDrawsBoth) {
  ServerProcess server({}, {}, dir_);
  ASSERT_TRUE(server.ready()) << server.log();
  const std::string address = "http://127.0.0.1:" + std::to_string(server.inference);
  const auto same = test::run_process({OCRSERVE_BINARY, "compare", (kData / "demo/demo_text_det.jpg").string(), "--model-name",
                                       "det", "--model", (kModels / "ppocr-det").string(), "--inference-addr", address,
                                       "--show", (dir_ / "compare.png").string()});
  EXPECT_EQ(same.exit_code, 0) << same.err;
  EXPECT_EQ(json::parse(same.out)["agree"], true);
  EXPECT_TRUE(fs::exists(dir_ / "compare.png"));
  // Against a different model the comparison says so and exits 1.
  const auto other = test::run_process({OCRSERVE_BINARY, "compare", (kData / "demo/demo_text_recog.jpg").string(),
                                        "--model-name", "rec", "--model", (kModels / "ppocr-det").string(),
                                        "--inference-addr", address});
  EXPECT_EQ(other.exit_code, 1) << other.err;
  EXPECT_EQ(json::parse(other.out)["agree"], false);
  const auto nobody = test::run_process({OCRSERVE_BINARY, "compare", (kData / "demo/demo_text_recog.jpg").string(),
                                         "--model-name", "rec", "--model", (kModels / "ppocr-rec").string(),
                                         "--inference-addr", "http://127.0.0.1:1"});
  EXPECT_EQ(nobody.exit_code, 4);
  EXPECT_NE(nobody.err.find("no answer"), std::string::npos) << nobody.err;
}

TEST_F(ServerTest, TokenAuthorizationWhenEnabled) {
  ServerProcess server({}, {"disable_token_authorization=false"}, dir_);
  ASSERT_TRUE(server.ready()) << server.log();
  // The key file is written in the server's working directory.
  const auto keys = json::parse(test::slurp_text(dir_ / "key_file.json"));
  EXPECT_EQ(fs::status(dir_ / "key_file.json").permissions() & fs::perms::group_all, fs::perms::none);
  const std::string inference_key = keys["inference"]["key"];
  const auto refused = http(server.inference, "POST", "/predictions/rec", image("demo_text_recog.jpg"));
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(json::parse(refused.body)["type"], "InvalidKeyException");
  const auto wrong = http(server.inference, "POST", "/predictions/rec", image("demo_text_recog.jpg"), "image/jpeg",
                          {{"Authorization", "Bearer " + std::string(keys["management"]["key"])}});
  EXPECT_EQ(wrong.status, 400);
  const auto allowed = http(server.inference, "POST", "/predictions/rec", image("demo_text_recog.jpg"), "image/jpeg",
                            {{"Authorization", "Bearer " + inference_key}});
  EXPECT_EQ(allowed.status, 200) << allowed.body;
  EXPECT_EQ(http(server.management, "GET", "/models", "", "", {{"Authorization", "Bearer " + inference_key}}).status, 400);
  EXPECT_EQ(http(server.management, "GET", "/models", "", "",
                 {{"Authorization", "Bearer " + std::string(keys["management"]["key"])}}).status, 200);
  EXPECT_EQ(http(server.metrics, "GET", "/metrics").status, 200);  // metrics need no token, as TorchServe
}

TEST_F(ServerTest, ScalingUnderLoadLosesNoRequest) {
  ServerProcess server({}, {}, dir_);
  ASSERT_TRUE(server.ready()) << server.log();
  std::atomic<bool> done{false};
  std::atomic<int> ok{0}, failed{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 8; ++c) {
    clients.emplace_back([&] {
      while (!done) {
        const auto reply = http(server.inference, "POST", "/predictions/rec", image("demo_text_recog.jpg"));
        (reply.status == 200 && json::parse(reply.body)["text"] == "STAR" ? ok : failed)++;
      }
    });
  }
  for (int workers : {3, 1, 2, 1}) {
    // Scale again once a few more requests have been answered at the current count.
    const int before = ok;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (ok < before + 6 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    EXPECT_EQ(http(server.management, "PUT", "/models/rec?min_worker=" + std::to_string(workers) + "&synchronous=true").status,
              200);
  }
  done = true;
  for (auto& client : clients) client.join();
  EXPECT_GT(ok, 20);
  EXPECT_EQ(failed, 0);
}

TEST_F(ServerTest, BackgroundStartAndStop) {
  std::ofstream(dir_ / "config.properties") << "inference_address=http://127.0.0.1:0\nmanagement_address=http://127.0.0.1:0\n"
                                               "metrics_address=http://127.0.0.1:0\ngrpc_inference_port=0\ngrpc_management_port=0\n"
                                               "disable_token_authorization=true\n";
  setenv("TMPDIR", dir_.c_str(), 1);
  const auto started = test::run_process({OCRSERVE_BINARY, "start", "--ts-config", (dir_ / "config.properties").string(),
                                          "--log-file", (dir_ / "ocrserve.log").string()});
  EXPECT_EQ(started.exit_code, 0) << started.err;
  EXPECT_NE(started.out.find("Inference API bound to http://127.0.0.1:"), std::string::npos) << started.out;
  EXPECT_TRUE(fs::exists(dir_ / ".ocrserve.pid"));
  std::smatch port;
  if (std::regex_search(started.out, port, std::regex("Inference API bound to http://127.0.0.1:(\\d+)"))) {
    EXPECT_EQ(http(static_cast<uint16_t>(std::stoi(port[1])), "GET", "/ping").status, 200);
  }
  // The server let go of the caller's streams (else `ocrserve start | tee` would never end).
  const fs::path fds = fs::path("/proc") / std::to_string(std::stoi(test::slurp_text(dir_ / ".ocrserve.pid"))) / "fd";
  EXPECT_EQ(fs::read_symlink(fds / "0"), "/dev/null");
  EXPECT_EQ(fs::read_symlink(fds / "1"), dir_ / "ocrserve.log");
  EXPECT_EQ(fs::read_symlink(fds / "2"), dir_ / "ocrserve.log");
  const auto twice = test::run_process({OCRSERVE_BINARY, "start", "--ts-config", (dir_ / "config.properties").string()});
  EXPECT_EQ(twice.exit_code, 3);
  EXPECT_NE(twice.err.find("already running"), std::string::npos);
  const auto stopped = test::run_process({OCRSERVE_BINARY, "stop"});
  EXPECT_EQ(stopped.exit_code, 0);
  EXPECT_NE(stopped.out.find("ocrserve has stopped."), std::string::npos);
  EXPECT_FALSE(fs::exists(dir_ / ".ocrserve.pid"));
  EXPECT_EQ(test::run_process({OCRSERVE_BINARY, "stop"}).out, "ocrserve is not running.\n");
  unsetenv("TMPDIR");
  // The log file has the model loads, the request above, and (flushed before the process
  // exits) the final line.
  const std::string log = test::slurp_text(dir_ / "ocrserve.log");
  EXPECT_EQ(count_lines(log, kInfo + "ocrserve - loaded model det version 1.0 from "), 1u) << log;
  EXPECT_EQ(count_lines(log, kAccess + R"("GET /ping HTTP/1\.1" 200 \d+$)"), 1u) << log;
  ASSERT_FALSE(lines_of(log).empty());
  EXPECT_TRUE(std::regex_search(lines_of(log).back(), std::regex(kStopped))) << log;
}

TEST_F(ServerTest, ForegroundLogsModelLoadsEveryRequestAndTheStop) {
  ServerProcess server({}, {}, dir_);
  ASSERT_TRUE(server.ready()) << server.log();
  EXPECT_EQ(http(server.inference, "GET", "/ping").status, 200);
  EXPECT_EQ(http(server.inference, "POST", "/predictions/rec", image("demo_text_recog.jpg")).status, 200);
  EXPECT_EQ(http(server.inference, "GET", "/no/such/thing?x=1").status, 404);
  EXPECT_EQ(http(server.management, "GET", "/models").status, 200);
  // A request refused from its header alone is logged too.
  const int fd = test::connect_to(server.inference);
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(test::send_all(fd, "PUT /predictions/det HTTP/1.1\r\nHost: x\r\nContent-Length: 1073741824\r\n\r\n"));
  EXPECT_EQ(test::read_reply(fd).status, 413);
  close(fd);
  EXPECT_EQ(server.stop(), 0);

  const std::string log = server.log();
  for (const char* model : {"det", "rec", "ocr"}) {
    EXPECT_EQ(count_lines(log, kInfo + "ocrserve - loaded model " + model + R"( version 1\.0 from \S+ with 1 worker\(s\) in \d+ ms$)"), 1u)
        << log;
  }
  EXPECT_EQ(count_lines(log, kAccess + R"("GET /ping HTTP/1\.1" 200 \d+$)"), 1u) << log;
  EXPECT_EQ(count_lines(log, kAccess + R"("POST /predictions/rec HTTP/1\.1" 200 \d+$)"), 1u) << log;
  EXPECT_EQ(count_lines(log, kAccess + R"("GET /no/such/thing\?x=1 HTTP/1\.1" 404 \d+$)"), 1u) << log;
  EXPECT_EQ(count_lines(log, kAccess + R"("GET /models HTTP/1\.1" 200 \d+$)"), 1u) << log;
  EXPECT_EQ(count_lines(log, kAccess + R"("PUT /predictions/det HTTP/1\.1" 413 \d+$)"), 1u) << log;
  EXPECT_EQ(count_lines(log, "ACCESS_LOG"), 5u) << log;  // one line per request, no more
  ASSERT_FALSE(lines_of(log).empty());
  EXPECT_TRUE(std::regex_search(lines_of(log).back(), std::regex(kStopped))) << log;
}

// A browser sends request after request on one connection. The next request may arrive before
// the server has finished writing the previous answer (its completion not yet run): it must be
// read at once, not after the 60 s idle timeout (seen as a stall every few hundred requests).
TEST_F(ServerTest, KeepAliveConnectionsServeRequestAfterRequest) {
  ServerProcess server({}, {}, dir_);
  ASSERT_TRUE(server.ready()) << server.log();
  const int fd = test::connect_to(server.inference);
  ASSERT_GE(fd, 0);
  timeval timeout{20, 0};  // a stalled connection waits 60 s; a busy ASan build answers a ping well within 20
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  int answered = 0;
  for (int i = 0; i < 3000; ++i) {
    if (!test::send_all(fd, "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")) break;
    const auto reply = test::read_reply(fd);
    if (reply.status != 200 || json::parse(reply.body)["status"] != "Healthy") break;
    ++answered;
  }
  close(fd);
  EXPECT_EQ(answered, 3000);
}

TEST_F(ServerTest, LogLevelHidesInfoLinesAndTheFlagWins) {
  {
    ServerProcess quiet({}, {"log_level=warn"}, dir_);
    ASSERT_TRUE(quiet.ready()) << quiet.log();
    EXPECT_EQ(http(quiet.inference, "GET", "/ping").status, 200);
    EXPECT_EQ(http(quiet.inference, "GET", "/nothing").status, 404);
    EXPECT_EQ(quiet.stop(), 0);
    const std::string log = quiet.log();
    EXPECT_EQ(log.find("ACCESS_LOG"), std::string::npos) << log;
    EXPECT_EQ(log.find("loaded model"), std::string::npos) << log;
    EXPECT_EQ(log.find("ocrserve stopped"), std::string::npos) << log;
  }
  {
    ServerProcess verbose({"--log-level", "DEBUG"}, {"log_level=warn"}, dir_);
    ASSERT_TRUE(verbose.ready()) << verbose.log();
    EXPECT_EQ(http(verbose.inference, "GET", "/ping").status, 200);
    EXPECT_EQ(verbose.stop(), 0);
    EXPECT_EQ(count_lines(verbose.log(), kAccess + R"("GET /ping HTTP/1\.1" 200 \d+$)"), 1u) << verbose.log();
  }
  // A level that is none is refused before anything loads.
  ServerProcess wrong_key({}, {"log_level=loud"}, dir_);
  EXPECT_EQ(wrong_key.wait_exit(60), 3);
  EXPECT_NE(wrong_key.log().find("log_level=loud"), std::string::npos) << wrong_key.log();
  ServerProcess wrong_flag({"--log-level", "loud"}, {}, dir_);
  EXPECT_EQ(wrong_flag.wait_exit(60), 3);
  EXPECT_NE(wrong_flag.log().find("--log-level loud"), std::string::npos) << wrong_flag.log();
}

TEST_F(ServerTest, WebPageIsSelfContainedStrictAndCached) {
  // With token authorization on: the page needs no token (it asks for one), the API still does.
  ServerProcess server({}, {"disable_token_authorization=false"}, dir_);
  ASSERT_TRUE(server.ready()) << server.log();
  const auto page = http(server.inference, "GET", "/");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.headers.at("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("<canvas id=\"canvas\""), std::string::npos);
  // Nothing is loaded from elsewhere: no src= or stylesheet links, no URL but the icon's data:.
  EXPECT_EQ(page.body.find(" src="), std::string::npos);
  EXPECT_EQ(page.body.find("stylesheet"), std::string::npos);
  EXPECT_EQ(page.body.find("https:"), std::string::npos);
  const std::string csp = page.headers.at("content-security-policy");
  EXPECT_TRUE(std::regex_search(csp, std::regex("^default-src 'none'; script-src 'sha256-[A-Za-z0-9+/]{43}='; "
                                                "style-src 'sha256-[A-Za-z0-9+/]{43}='; img-src data:; connect-src 'self';")))
      << csp;
  EXPECT_EQ(csp.find("unsafe"), std::string::npos) << csp;
  EXPECT_EQ(page.headers.at("x-content-type-options"), "nosniff");
  // Cached, revalidated each time: the same page again is a 304 without a body.
  EXPECT_EQ(page.headers.at("cache-control"), "no-cache");
  EXPECT_EQ(page.headers.count("pragma"), 0u);
  EXPECT_EQ(page.headers.count("expires"), 0u);
  const std::string etag = page.headers.at("etag");
  const auto again = http(server.inference, "GET", "/", "", "", {{"If-None-Match", "W/\"other\", " + etag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(again.headers.at("etag"), etag);
  EXPECT_EQ(http(server.inference, "GET", "/", "", "", {{"If-None-Match", "\"other\""}}).status, 200);
  // The rest of the port is unchanged.
  EXPECT_EQ(http(server.inference, "GET", "/ping").status, 400);
  EXPECT_EQ(http(server.inference, "OPTIONS", "/").status, 200);
  EXPECT_EQ(http(server.inference, "POST", "/").status, 405);
  EXPECT_EQ(http(server.management, "GET", "/").status, 405);
  // API answers keep TorchServe's headers against caching.
  EXPECT_EQ(http(server.inference, "OPTIONS", "/").headers.at("cache-control"), "no-cache; no-store, must-revalidate, private");
}

TEST_F(ServerTest, WebPageOffIsTorchServes405) {
  ServerProcess server({}, {"enable_web_ui=false"}, dir_);
  ASSERT_TRUE(server.ready()) << server.log();
  const auto reply = http(server.inference, "GET", "/");
  EXPECT_EQ(reply.status, 405);
  EXPECT_EQ(json::parse(reply.body)["type"], "MethodNotAllowedException");
}

TEST_F(ServerTest, ArchiveRefusesToOverwriteWithoutForce) {
  archive("ppocr-det", "dbnet");
  const auto again = test::run_process({OCRSERVE_BINARY, "archive", "--model-dir", (kModels / "ppocr-det").string(),
                                        "--model-name", "dbnet", "--output-folder", (dir_ / "store").string()});
  EXPECT_EQ(again.exit_code, 3);
  EXPECT_NE(again.err.find("--force"), std::string::npos);
  const auto bad_name = test::run_process({OCRSERVE_BINARY, "archive", "--model-dir", (kModels / "ppocr-det").string(),
                                           "--model-name", "../evil", "--output-folder", (dir_ / "store").string()});
  EXPECT_EQ(bad_name.exit_code, 3);
  int error = 0;
  zip_t* mar = zip_open((dir_ / "store" / "dbnet.mar").c_str(), ZIP_RDONLY, &error);
  ASSERT_NE(mar, nullptr);
  EXPECT_GE(zip_name_locate(mar, "MAR-INF/MANIFEST.json", 0), 0);
  EXPECT_GE(zip_name_locate(mar, "end2end.onnx", 0), 0);
  zip_discard(mar);
}

}  // namespace
}  // namespace ocrserve
