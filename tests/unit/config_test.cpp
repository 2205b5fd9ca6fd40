// config.properties: TorchServe's keys, defaults and syntax; unknown keys warn.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "ocrserve/error.hpp"
#include "serve/config.hpp"
#include "frontend/http/multipart.hpp"

namespace ocrserve {
namespace {

TEST(Config, DefaultsAreTorchServes) {
  const ServerConfig config;
  EXPECT_EQ(config.inference.host, "127.0.0.1");
  EXPECT_EQ(config.inference.port, 8080);
  EXPECT_EQ(config.management.port, 8081);
  EXPECT_EQ(config.metrics.port, 8082);
  EXPECT_EQ(config.job_queue_size, 100u);
  EXPECT_EQ(config.max_request_size, 6553500u);
  EXPECT_EQ(config.default_response_timeout.count(), 120);
  EXPECT_FALSE(config.enable_model_api);
}

TEST(Config, TheSeedsFileLoadsAndUnknownKeysWarn) {
  const auto path = std::filesystem::temp_directory_path() / ("ocrserve-config-" + std::to_string(getpid()));
  std::ofstream(path) << "# the MMOCR serve image\ninference_address=http://0.0.0.0:8080\n"
                         "management_address = http://0.0.0.0:8081\nmetrics_address:http://0.0.0.0:8082\n"
                         "number_of_netty_threads=32\njob_queue_size=1000\nmodel_store=/home/model-server/model-store\n"
                         "load_models=all\nallowed_urls=file:///models/.*,\\\n  http://internal/.*\nvmargs=-Xmx4g\nfancy_key=1\n";
  const ServerConfig config = ServerConfig::load(path);
  std::filesystem::remove(path);
  EXPECT_EQ(config.inference.host, "0.0.0.0");
  EXPECT_EQ(config.metrics.port, 8082);
  EXPECT_EQ(config.netty_threads, 32u);
  EXPECT_EQ(config.job_queue_size, 1000u);
  EXPECT_EQ(config.model_store, "/home/model-server/model-store");
  EXPECT_EQ(config.load_models, "all");
  EXPECT_EQ(config.allowed_urls, (std::vector<std::string>{"file:///models/.*", "http://internal/.*"}));
  ASSERT_EQ(config.warnings.size(), 2u);
  EXPECT_NE(config.warnings[0].find("fancy_key"), std::string::npos);
  EXPECT_NE(config.warnings[1].find("vmargs"), std::string::npos);
}

TEST(Config, ModelsBlockGivesPerModelSettings) {
  ServerConfig config;
  config.set("models", R"({"dbnet": {"1.0": {"minWorkers": 2, "maxWorkers": "3", "batchSize": 0, "maxBatchDelay": 20,
                                               "responseTimeout": 60, "deviceType": "gpu", "colour": "blue"},
                                      "2.0": {"defaultVersion": true}}})");
  const ModelSettings* first = config.model_settings("dbnet", "1.0");
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->min_workers, 2u);
  EXPECT_EQ(first->max_workers, 3u);
  EXPECT_EQ(first->batch_size, 1u);  // at least one image per batch
  EXPECT_EQ(first->max_batch_delay->count(), 20);
  EXPECT_EQ(first->response_timeout->count(), 60);
  EXPECT_FALSE(first->default_version);
  const ModelSettings* second = config.model_settings("dbnet", "2.0");
  ASSERT_NE(second, nullptr);
  EXPECT_TRUE(second->default_version);
  EXPECT_FALSE(second->min_workers.has_value());
  EXPECT_EQ(config.model_settings("dbnet", "3.0"), nullptr);
  EXPECT_EQ(config.model_settings("crnn", "1.0"), nullptr);
  // deviceType is TorchServe's and has no effect here; an unknown key is reported.
  ASSERT_EQ(config.warnings.size(), 1u);
  EXPECT_NE(config.warnings[0].find("colour"), std::string::npos);

  for (const std::string bad : {R"({"dbnet": )", R"(["dbnet"])", R"({"dbnet": {"1.0": {"minWorkers": -1}}})",
                                R"({"dbnet": {"1.0": {"minWorkers": 3, "maxWorkers": 2}}})",
                                R"({"dbnet": {"1.0": {"defaultVersion": "yes"}}})", R"({"dbnet": {"1.0": 4}})"}) {
    try {
      config.set("models", bad);
      FAIL() << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::bad_input) << bad;
      EXPECT_NE(std::string(e.what()).find("models"), std::string::npos) << e.what();
    }
  }
}

// The models={...} example of docs/serving.md, read as a config file.
TEST(Config, ServingDocsModelsExampleLoads) {
  std::ifstream doc(std::string(OCRSERVE_SOURCE_DIR) + "/docs/serving.md");
  const std::string text((std::istreambuf_iterator<char>(doc)), std::istreambuf_iterator<char>());
  const size_t models = text.find("\nmodels={");
  ASSERT_NE(models, std::string::npos);
  const size_t start = text.rfind("```properties\n", models), end = text.find("```", models);
  ASSERT_NE(start, std::string::npos);
  const auto properties = parse_properties(text.substr(start + 14, end - start - 14));
  ServerConfig config;
  for (const auto& [key, value] : properties) config.set(key, value);
  EXPECT_TRUE(config.warnings.empty());
  EXPECT_EQ(config.load_models, "crnn=crnn.mar,dbnet.mar");
  ASSERT_NE(config.model_settings("crnn", "1.0"), nullptr);
  EXPECT_EQ(config.model_settings("crnn", "1.0")->batch_size, 8u);
  EXPECT_EQ(config.model_settings("crnn", "1.0")->max_workers, 4u);
  ASSERT_NE(config.model_settings("dbnet", "2.0"), nullptr);
  EXPECT_TRUE(config.model_settings("dbnet", "2.0")->default_version);
}

TEST(Config, BadValuesNameTheKey) {
  ServerConfig config;
  for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"job_queue_size", "lots"}, {"enable_model_api", "maybe"}, {"inference_address", "unix:/tmp/x.sock"},
           {"inference_address", "http://0.0.0.0:99999"}, {"keystore", "keystore.p12"}, {"keystore_type", "JKS"},
           {"ocrserve_idle_timeout", "0"}}) {
    try {
      config.set(key, value);
      FAIL() << key;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(parse_address("http://[::1]:9000", 80, "x").host, "::1");
  EXPECT_EQ(parse_address("http://localhost", 8081, "x").port, 8081);
}

TEST(Config, HttpsAddressesAndTheirPemFiles) {
  ServerConfig config;
  EXPECT_FALSE(config.uses_tls());
  config.set("inference_address", "https://0.0.0.0:8443");
  config.set("management_address", "https://127.0.0.1");
  config.set("private_key_file", "mykey.key");
  config.set("certificate_file", "mycert.pem");
  config.set("ocrserve_idle_timeout", "5");
  EXPECT_TRUE(config.inference.tls);
  EXPECT_EQ(config.inference.port, 8443);
  EXPECT_EQ(config.management.port, 443);  // TorchServe's default for https
  EXPECT_FALSE(config.metrics.tls);
  EXPECT_TRUE(config.uses_tls());
  EXPECT_EQ(config.private_key_file, "mykey.key");
  EXPECT_EQ(config.certificate_file, "mycert.pem");
  EXPECT_EQ(config.idle_timeout, std::chrono::seconds(5));
  // Only listeners speak TLS: the clients' URLs (compare, bench --url) are http://.
  EXPECT_THROW(parse_address("https://127.0.0.1:8443", 80, "url"), Error);
  // The keystore's refusal gives the conversion and never repeats the password.
  try {
    config.set("keystore_pass", "changeit");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::bad_input);
    EXPECT_EQ(std::string(e.what()).find("changeit"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("openssl pkcs12 -in KEYSTORE.p12 -nocerts -nodes -out mykey.key"), std::string::npos);
  }
}

TEST(Config, DetectionSettingsForEveryDetector) {
  ServerConfig config;
  EXPECT_TRUE(config.detection.empty());  // the packages' own values
  config.set("ocrserve_det_limit_side", "960");
  config.set("ocrserve_det_thresh", "0.2");
  config.set("ocrserve_det_box_thresh", "0.5");
  config.set("ocrserve_det_unclip_ratio", "1.8");
  EXPECT_EQ(config.detection.limit_side, 960);
  EXPECT_DOUBLE_EQ(*config.detection.mask_thr, 0.2);
  EXPECT_DOUBLE_EQ(*config.detection.min_text_score, 0.5);
  EXPECT_DOUBLE_EQ(*config.detection.unclip_ratio, 1.8);
  for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"ocrserve_det_limit_side", "16"}, {"ocrserve_det_thresh", "1.5"}, {"ocrserve_det_box_thresh", "high"},
           {"ocrserve_det_unclip_ratio", "-1"}}) {
    try {
      config.set(key, value);
      ADD_FAILURE() << key << "=" << value << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::bad_input);
      EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
    }
  }
}

TEST(Multipart, PartsWithNamesAndFiles) {
  const std::string body = "--b\r\nContent-Disposition: form-data; name=\"data\"; filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
                           "AB\r\nCD\r\n--b\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--b--\r\n";
  const auto parts = parse_multipart(body, *multipart_boundary("multipart/form-data; boundary=b"));
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].name, "data");
  EXPECT_EQ(parts[0].filename, "a.jpg");
  EXPECT_EQ(parts[0].body, "AB\r\nCD");
  EXPECT_EQ(parts[1].name, "note");
  EXPECT_EQ(parts[1].body, "hello");
  EXPECT_THROW(parse_multipart("--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nno end", "b"), Error);
  EXPECT_FALSE(multipart_boundary("image/jpeg"));
}

TEST(Config, ServiceEnvelopeIsKServesOrRefused) {
  ServerConfig config;
  EXPECT_EQ(config.service_envelope, "");
  config.set("service_envelope", "kservev2");
  EXPECT_EQ(config.service_envelope, "kservev2");
  config.set("service_envelope", "KServe");
  EXPECT_EQ(config.service_envelope, "kserve");
  EXPECT_THROW(config.set("service_envelope", "json"), Error);
  EXPECT_EQ(config.service_envelope, "kserve");
  EXPECT_TRUE(config.warnings.empty());
}

}  // namespace
}  // namespace ocrserve
