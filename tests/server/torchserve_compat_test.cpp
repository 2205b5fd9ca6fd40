// TorchServe 0.12's REST behaviours that its own API tests check (docs/torchserve-compat.md):
// tokens on by default, lenient parameters, registration from URLs, API descriptions, workflows.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <thread>

#include <nlohmann/json.hpp>

#include "support/file_server.hpp"
#include "support/ground_truth.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/server_process.hpp"

namespace ocrserve {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::http;
using test::kData;
using test::kModels;
using test::ServerProcess;

std::string image(const std::string& name) { return test::slurp_text(kData / "demo" / name); }
std::map<std::string, std::string> bearer(const json& key) { return {{"Authorization", "Bearer " + key.get<std::string>()}}; }
json body_of(const test::HttpReply& reply) { return json::parse(reply.body); }

class TorchServeCompat : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ocrserve-compat-" + std::to_string(getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "store");
    fs::create_directories(dir_ / "archives");
    const auto r = test::run_process({OCRSERVE_BINARY, "archive", "--model-dir", (kModels / "ppocr-rec").string(), "--model-name",
                                      "crnn", "--output-folder", (dir_ / "archives").string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    rec_mar_ = test::slurp_text(dir_ / "archives" / "crnn.mar");
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::vector<std::string> store_args() const { return {"--model-store", (dir_ / "store").string(), "--enable-model-api"}; }

  fs::path dir_;
  std::string rec_mar_;
};

TEST_F(TorchServeCompat, TokenAuthorizationIsOnByDefaultAndRotates) {
  ServerProcess server({}, {"token_expiration_min=0.05"}, dir_, /*tokens=*/true);
  ASSERT_TRUE(server.ready()) << server.log();
  const auto keys = json::parse(test::slurp_text(dir_ / "key_file.json"));
  // TorchServe's key file: management and inference keys with an ISO 8601 expiry, the API key.
  EXPECT_TRUE(std::regex_match(keys["management"]["expiration time"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
      << keys.dump();
  EXPECT_TRUE(keys["API"]["key"].is_string());
  const auto refused = http(server.management, "GET", "/models");
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(body_of(refused)["type"], "InvalidKeyException");
  EXPECT_EQ(body_of(refused)["message"], "Token Authorization failed. Token either incorrect, expired, or not provided correctly");
  // token_expiration_min=0.05 is 3 s, which may pass while the models load: a fresh key first.
  const auto rotated = http(server.management, "GET", "/token?type=management", "", "", bearer(keys["API"]["key"]));
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  const auto fresh = json::parse(test::slurp_text(dir_ / "key_file.json"))["management"]["key"];
  EXPECT_EQ(body_of(rotated)["management"]["key"], fresh);
  EXPECT_NE(fresh, keys["management"]["key"]);
  EXPECT_EQ(http(server.management, "GET", "/models", "", "", bearer(fresh)).status, 200);
  // Poll until it expires; the API key never does.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  int status = 200;
  while (status == 200 && std::chrono::steady_clock::now() < deadline) {
    status = http(server.management, "GET", "/models", "", "", bearer(fresh)).status;
  }
  EXPECT_EQ(status, 400);
  EXPECT_EQ(http(server.management, "GET", "/token?type=inference", "", "", bearer(keys["API"]["key"])).status, 200);
  // The keys end with the server.
  EXPECT_EQ(server.stop(), 0);
  EXPECT_FALSE(fs::exists(dir_ / "key_file.json"));
}

TEST_F(TorchServeCompat, TokenSettingsFollowTorchServesPriority) {
  // The flag beats the file.
  {
    ServerProcess server({"--disable-token-auth"}, {"disable_token_authorization=false"}, dir_, true);
    ASSERT_TRUE(server.ready()) << server.log();
    EXPECT_EQ(http(server.management, "GET", "/models").status, 200);
  }
  // The environment (with enable_envvars_config) beats the flag, both ways.
  {
    ServerProcess server({}, {"disable_token_authorization=false", "enable_envvars_config=true"}, dir_, true,
                         {"TS_DISABLE_TOKEN_AUTHORIZATION=true"});
    ASSERT_TRUE(server.ready()) << server.log();
    EXPECT_EQ(http(server.management, "GET", "/models").status, 200);
  }
  {
    ServerProcess server({"--disable-token-auth"}, {"enable_envvars_config=true"}, dir_, true, {"TS_DISABLE_TOKEN_AUTHORIZATION=false"});
    ASSERT_TRUE(server.ready()) << server.log();
    EXPECT_EQ(http(server.management, "GET", "/models").status, 400);
  }
}

TEST_F(TorchServeCompat, ParametersAreReadAsLenientlyAsTorchServeReadsThem) {
  fs::copy(dir_ / "archives" / "crnn.mar", dir_ / "store" / "crnn.mar");
  ServerProcess server(store_args(), {}, dir_);
  ASSERT_TRUE(server.ready()) << server.log();
  // Not a number: the default; below the least sensible value: raised to it.
  auto reg = http(server.management, "POST", "/models?url=crnn.mar&batch_size=dd&max_batch_delay=junk&initial_workers=-1");
  ASSERT_EQ(reg.status, 200) << reg.body;
  EXPECT_EQ(body_of(reg)["status"],
            "Model \"crnn\" Version: 1.0 registered with 0 initial workers. Use scale workers API to add workers for the model.");
  const auto described = body_of(http(server.management, "GET", "/models/crnn"))[0];
  EXPECT_EQ(described["batchSize"], 1);
  EXPECT_EQ(described["maxBatchDelay"], 100);
  for (const char* field : {"startupTimeout", "parallelType", "parallelLevel", "continuousBatching", "useJobTicket", "useVenv",
                            "stateful", "sequenceMaxIdleMSec", "sequenceTimeoutMSec", "maxNumSequence", "maxSequenceJobQueueSize"}) {
    EXPECT_TRUE(described.contains(field)) << field;
  }
  for (const char* query : {"/models?limit=&next_page_token=", "/models?limit=-1", "/models?limit=1&next_page_token=-1"}) {
    const auto list = http(server.management, "GET", query);
    EXPECT_EQ(list.status, 200) << query;
    EXPECT_EQ(body_of(list)["models"].size(), 1u) << query;
  }
  EXPECT_EQ(http(server.management, "PUT", "/models/crnn?min_worker=nan&synchronous=nan").status, 202);
  const auto no_version = http(server.management, "PUT", "/models/crnn/3.3.3/set-default");
  EXPECT_EQ(no_version.status, 404);
  EXPECT_EQ(body_of(no_version)["message"], "Model version 3.3.3 does not exist for model crnn");
  EXPECT_EQ(http(server.management, "PUT", "/models/crnn?max_worker=-1").status, 400);
  EXPECT_EQ(http(server.management, "PUT", "/models/crnn?min_worker=-1").status, 400);
  // An absent url is a bad request; an empty one is a model not found.
  const auto missing = http(server.management, "POST", "/models");
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(body_of(missing)["message"], "Parameter url is required.");
  const auto empty = http(server.management, "POST", "/models?url=&model_name=x");
  EXPECT_EQ(empty.status, 404);
  EXPECT_EQ(body_of(empty)["message"], "Model not found in model store: ");
  const auto runtime = http(server.management, "POST", "/models?url=crnn.mar&runtime=python4");
  EXPECT_EQ(runtime.status, 400);
  EXPECT_EQ(body_of(runtime)["message"], "Invalid RuntimeType value: python4");
  EXPECT_EQ(http(server.management, "POST", "/models?url=crnn.mar&model_name=py&runtime=python3").status, 200);
}

TEST_F(TorchServeCompat, RegistrationDownloadsIntoTheStoreAndUnregistrationRemovesIt) {
  test::FileServer files({{"mar_files/crnn.mar", rec_mar_}, {"mar_files/broken.mar", "not a zip"}});
  ServerProcess server(store_args(), {}, dir_);
  ASSERT_TRUE(server.ready()) << server.log();

  const auto reg = http(server.management, "POST", "/models?url=" + files.url("mar_files/crnn.mar") + "&model_name=squeeze&initial_workers=1");
  ASSERT_EQ(reg.status, 200) << reg.body;
  EXPECT_TRUE(fs::exists(dir_ / "store" / "crnn.mar"));
  EXPECT_EQ(body_of(http(server.inference, "POST", "/predictions/squeeze", image("demo_text_recog.jpg")))["text"], "STAR");
  // The store already holds that file: TorchServe's 500.
  const auto again = http(server.management, "POST", "/models?url=" + files.url("mar_files/crnn.mar") + "&model_name=other");
  EXPECT_EQ(again.status, 500);
  EXPECT_EQ(body_of(again)["message"], "Model file already exists in model store: crnn.mar");
  EXPECT_EQ(http(server.management, "DELETE", "/models/squeeze").status, 200);
  EXPECT_FALSE(fs::exists(dir_ / "store" / "crnn.mar"));

  for (const std::string& url : {files.url("mar_files/missing.mar"), std::string("http://localhost:aaaa"),
                                 std::string("https://localhost:8443/fake.mar")}) {
    const auto failed = http(server.management, "POST", "/models?url=" + url);
    EXPECT_EQ(failed.status, 400) << url;
    EXPECT_EQ(body_of(failed)["type"], "DownloadArchiveException") << url;
    EXPECT_EQ(body_of(failed)["message"], "Failed to download model from: " + url);
  }
  // A fetched file that is no archive is refused and leaves nothing in the store.
  EXPECT_EQ(http(server.management, "POST", "/models?url=" + files.url("mar_files/broken.mar")).status, 400);
  EXPECT_FALSE(fs::exists(dir_ / "store" / "broken.mar"));
  const auto relative = http(server.management, "POST", "/models?url=..%2Ffake.mar");
  EXPECT_EQ(relative.status, 404);
  EXPECT_EQ(body_of(relative)["message"], "Relative path is not allowed in url: ../fake.mar");
  EXPECT_EQ(body_of(http(server.management, "POST", "/models?url=InvalidUrl"))["message"], "Model not found in model store: InvalidUrl");

  // file:// is copied into the store; a package folder is taken by its absolute path.
  const auto copied = http(server.management, "POST", "/models?url=file://" + (dir_ / "archives" / "crnn.mar").string() + "&model_name=copied");
  EXPECT_EQ(copied.status, 200) << copied.body;
  EXPECT_TRUE(fs::exists(dir_ / "store" / "crnn.mar"));
  const auto folder = http(server.management, "POST", "/models?url=" + (kModels / "ppocr-det").string() + "&model_name=folder");
  EXPECT_EQ(folder.status, 200) << folder.body;
}

TEST_F(TorchServeCompat, ApiDescriptionsOnEveryPortAndPerModel) {
  fs::copy(dir_ / "archives" / "crnn.mar", dir_ / "store" / "crnn.mar");
  ServerProcess server({"--model-store", (dir_ / "store").string(), "--models", "noop=crnn.mar"}, {}, dir_);
  ASSERT_TRUE(server.ready()) << server.log();
  const std::vector<std::pair<uint16_t, std::string>> ports = {
      {server.inference, "/predictions/{model_name}"}, {server.management, "/models/{model_name}"}, {server.metrics, "/metrics"}};
  for (const auto& [port, path] : ports) {
    const auto options = http(port, "OPTIONS", "/");
    ASSERT_EQ(options.status, 200) << path;
    EXPECT_EQ(body_of(options)["openapi"], "3.0.1");
    EXPECT_TRUE(body_of(options)["paths"].contains(path)) << options.body;
    EXPECT_EQ(body_of(http(port, "GET", "/api-description")), body_of(options)) << path;
  }
  const auto model = http(server.inference, "OPTIONS", "/predictions/noop");
  ASSERT_EQ(model.status, 200);
  EXPECT_EQ(body_of(model)["paths"]["/predictions/noop"]["post"]["operationId"], "noop");
  EXPECT_EQ(http(server.inference, "OPTIONS", "/predictions/ghost").status, 404);

  const auto ping = http(server.inference, "GET", "/ping");
  EXPECT_EQ(body_of(ping)["status"], "Healthy");
  // TorchServe's generic 405 body when the model API is off.
  const auto refused = http(server.management, "POST", "/models?url=crnn.mar&model_name=x");
  EXPECT_EQ(refused.status, 405);
  EXPECT_EQ(body_of(refused), json({{"code", 405}, {"type", "MethodNotAllowedException"},
                                    {"message", "Requested method is not allowed, please refer to API document."}}));
  // Workflows: a 501 that says what to use instead.
  for (const auto& [port, target] : std::vector<std::pair<uint16_t, std::string>>{{server.management, "/workflows"},
                                                                                   {server.inference, "/wfpredict/ocr"}}) {
    const auto workflow = http(port, "POST", target, "{}", "application/json");
    EXPECT_EQ(workflow.status, 501) << target;
    EXPECT_EQ(body_of(workflow)["type"], "NotImplementedException");
    EXPECT_NE(body_of(workflow)["message"].get<std::string>().find("/predictions/"), std::string::npos);
  }
}

}  // namespace
}  // namespace ocrserve
