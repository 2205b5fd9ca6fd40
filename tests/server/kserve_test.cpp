// KServe's v1 and v2 (Open Inference Protocol) REST APIs of the real server binary, over real
// HTTP on loopback, beside TorchServe's /predictions on the same port.
#include <gtest/gtest.h>

#include <cstring>

#include <nlohmann/json.hpp>

#include "support/ground_truth.hpp"
#include "support/http_client.hpp"
#include "support/server_process.hpp"

namespace ocrserve {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::http;
using test::kData;
using test::ServerProcess;

std::string image(const std::string& name) { return test::slurp_text(kData / "demo" / name); }

std::string base64(const std::string& bytes) {
  static const char* const kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t n = uint32_t(uint8_t(bytes[i])) << 16 | uint32_t(uint8_t(bytes[i + 1])) << 8 | uint8_t(bytes[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(n >> s) & 63];
  }
  if (i < bytes.size()) {
    uint32_t n = uint32_t(uint8_t(bytes[i])) << 16;
    if (i + 1 < bytes.size()) n |= uint32_t(uint8_t(bytes[i + 1])) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

json v2_request(const std::vector<std::string>& images) {
  json data = json::array();
  for (const auto& bytes : images) data.push_back(base64(bytes));
  return {{"inputs", {{{"name", "images"}, {"datatype", "BYTES"}, {"shape", {images.size()}}, {"data", data}}}}};
}

test::HttpReply post_json(uint16_t port, const std::string& path, const json& body) {
  return http(port, "POST", path, body.dump(), "application/json");
}

const json& output(const json& response, const std::string& name) {
  for (const auto& tensor : response["outputs"]) {
    if (tensor["name"] == name) return tensor;
  }
  static const json none;
  ADD_FAILURE() << "no output " << name << " in " << response.dump();
  return none;
}

void append_le32(std::string& out, uint32_t value) {
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<char>((value >> shift) & 0xff));
}

class KServeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ocrserve-kserve-" + std::to_string(getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(KServeTest, V2InferGivesTheTextsOfPredictions) {
  ServerProcess server({}, {}, dir_);
  ASSERT_TRUE(server.ready()) << server.banner << server.log();
  const std::string page = image("demo_text_ocr.jpg");

  const auto torchserve = http(server.inference, "POST", "/predictions/ocr", page);
  ASSERT_EQ(torchserve.status, 200) << torchserve.body;
  std::vector<std::string> expected;
  for (const auto& line : json::parse(torchserve.body)) expected.push_back(line["text"]);
  ASSERT_GE(expected.size(), 5u);

  json request = v2_request({page, image("demo_text_recog.jpg")});
  request["id"] = "request-7";
  const auto answer = post_json(server.inference, "/v2/models/ocr/infer", request);
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(answer.headers.at("content-type"), "application/json");
  const json response = json::parse(answer.body);
  EXPECT_EQ(response["model_name"], "ocr");
  EXPECT_EQ(response["model_version"], "1.0");
  EXPECT_EQ(response["id"], "request-7");
  std::vector<std::string> names;
  for (const auto& tensor : response["outputs"]) names.push_back(tensor["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"texts", "scores", "det_scores", "boxes", "image_index"}));

  // The page's lines first (image 0), then those of the word crop (image 1).
  const json& texts = output(response, "texts");
  const json& index = output(response, "image_index");
  const size_t lines = texts["data"].size();
  EXPECT_EQ(texts["datatype"], "BYTES");
  EXPECT_EQ(texts["shape"], json::array({lines}));
  std::vector<std::string> page_texts;
  for (size_t i = 0; i < lines; ++i) {
    if (index["data"][i] == 0) page_texts.push_back(texts["data"][i]);
  }
  EXPECT_EQ(page_texts, expected);
  EXPECT_GT(lines, expected.size());
  EXPECT_EQ(index["datatype"], "INT32");
  EXPECT_EQ(index["data"].back(), 1);
  const json& boxes = output(response, "boxes");
  EXPECT_EQ(boxes["datatype"], "FP32");
  EXPECT_EQ(boxes["shape"], json::array({lines, 8}));
  EXPECT_EQ(boxes["data"].size(), lines * 8);
  EXPECT_EQ(output(response, "scores")["shape"], json::array({lines}));

  // Requested outputs only, in the order asked.
  request = v2_request({image("demo_text_recog.jpg")});
  request["outputs"] = {{{"name", "scores"}}, {{"name", "texts"}}};
  const auto chosen = post_json(server.inference, "/v2/models/rec/versions/1.0/infer", request);
  ASSERT_EQ(chosen.status, 200) << chosen.body;
  const json rec = json::parse(chosen.body);
  ASSERT_EQ(rec["outputs"].size(), 2u);
  EXPECT_EQ(rec["outputs"][0]["name"], "scores");
  EXPECT_EQ(rec["outputs"][1]["data"], json::array({"STAR"}));
  EXPECT_FALSE(rec.contains("id"));
}

TEST_F(KServeTest, V2BinaryTensorData) {
  ServerProcess server({}, {}, dir_);
  ASSERT_TRUE(server.ready()) << server.log();
  const std::string crop = image("demo_text_recog.jpg");
  std::string data;
  append_le32(data, static_cast<uint32_t>(crop.size()));
  data += crop;
  const json head = {
      {"inputs", {{{"name", "images"}, {"datatype", "BYTES"}, {"shape", {1}}, {"parameters", {{"binary_data_size", data.size()}}}}}},
      {"outputs", {{{"name", "texts"}, {"parameters", {{"binary_data", true}}}}, {{"name", "scores"}}}}};
  const std::string text = head.dump();
  const auto answer = http(server.inference, "POST", "/v2/models/rec/infer", text + data, "application/octet-stream",
                           {{"Inference-Header-Content-Length", std::to_string(text.size())}});
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(answer.headers.at("content-type"), "application/octet-stream");
  const size_t json_length = std::stoul(answer.headers.at("inference-header-content-length"));
  const json response = json::parse(answer.body.substr(0, json_length));
  EXPECT_EQ(response["outputs"][0]["parameters"]["binary_data_size"], 8);
  EXPECT_FALSE(response["outputs"][0].contains("data"));
  EXPECT_EQ(answer.body.substr(json_length), std::string("\x04\0\0\0STAR", 8));
  EXPECT_GT(response["outputs"][1]["data"][0].get<double>(), 0.5);

  // Every output binary: FP32 as 4 little-endian bytes per element.
  const json all = {{"parameters", {{"binary_data_output", true}}}, {"inputs", head["inputs"]}};
  const std::string all_text = all.dump();
  const auto binary = http(server.inference, "POST", "/v2/models/rec/infer", all_text + data, "application/octet-stream",
                           {{"Inference-Header-Content-Length", std::to_string(all_text.size())}});
  ASSERT_EQ(binary.status, 200) << binary.body;
  const size_t length = std::stoul(binary.headers.at("inference-header-content-length"));
  const json outputs = json::parse(binary.body.substr(0, length))["outputs"];
  EXPECT_EQ(outputs[1]["parameters"]["binary_data_size"], 4);
  float score = 0;
  std::memcpy(&score, binary.body.data() + length + 8, 4);
  EXPECT_FLOAT_EQ(score, response["outputs"][1]["data"][0].get<float>());

  // Sizes that do not add up are a 400, not a hang or a crash.
  const auto short_data = http(server.inference, "POST", "/v2/models/rec/infer", text + data.substr(0, 100),
                               "application/octet-stream", {{"Inference-Header-Content-Length", std::to_string(text.size())}});
  EXPECT_EQ(short_data.status, 400);
  EXPECT_NE(json::parse(short_data.body)["error"].get<std::string>().find("binary_data_size"), std::string::npos);
  const auto long_header = http(server.inference, "POST", "/v2/models/rec/infer", text, "application/json",
                                {{"Inference-Header-Content-Length", "99999"}});
  EXPECT_EQ(long_header.status, 400);
}

TEST_F(KServeTest, V2MetadataAndHealth) {
  ServerProcess server({}, {}, dir_);
  ASSERT_TRUE(server.ready()) << server.log();
  const auto meta = http(server.inference, "GET", "/v2");
  ASSERT_EQ(meta.status, 200);
  EXPECT_EQ(json::parse(meta.body)["name"], "ocrserve");
  EXPECT_EQ(json::parse(meta.body)["extensions"], json::array({"binary_tensor_data"}));

  EXPECT_EQ(http(server.inference, "GET", "/v2/health/live").status, 200);
  const auto ready = http(server.inference, "GET", "/v2/health/ready");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(json::parse(ready.body)["ready"], true);

  const auto det = http(server.inference, "GET", "/v2/models/det");
  ASSERT_EQ(det.status, 200) << det.body;
  const json model = json::parse(det.body);
  EXPECT_EQ(model["name"], "det");
  EXPECT_EQ(model["versions"], json::array({"1.0"}));
  EXPECT_EQ(model["platform"], "ocrserve_detection");
  EXPECT_EQ(model["inputs"], json::parse(R"([{"name": "images", "datatype": "BYTES", "shape": [-1]}])"));
  EXPECT_EQ(model["outputs"], json::parse(R"([{"name": "boxes", "datatype": "FP32", "shape": [-1, 8]},
    {"name": "scores", "datatype": "FP32", "shape": [-1]}, {"name": "image_index", "datatype": "INT32", "shape": [-1]}])"));
  EXPECT_EQ(http(server.inference, "GET", "/v2/models/rec/versions/1.0").status, 200);
  EXPECT_EQ(http(server.inference, "GET", "/v2/models/rec/versions/9.9").status, 404);
  EXPECT_EQ(http(server.inference, "GET", "/v2/models/nope").status, 404);

  const auto rec_ready = http(server.inference, "GET", "/v2/models/rec/ready");
  EXPECT_EQ(rec_ready.status, 200);
  EXPECT_EQ(json::parse(rec_ready.body)["ready"], true);
  EXPECT_EQ(http(server.inference, "GET", "/v2/models/rec/versions/1.0/ready").status, 200);

  // A model without workers is not ready, and its inference is refused as overloaded.
  ASSERT_EQ(http(server.management, "PUT", "/models/rec?min_worker=0&max_worker=0&synchronous=true").status, 200);
  const auto not_ready = http(server.inference, "GET", "/v2/models/rec/ready");
  EXPECT_EQ(not_ready.status, 503);
  EXPECT_EQ(json::parse(not_ready.body)["ready"], false);
  EXPECT_EQ(http(server.inference, "GET", "/v1/models/rec").status, 503);
  const auto refused = post_json(server.inference, "/v2/models/rec/infer", v2_request({image("demo_text_recog.jpg")}));
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(refused.headers.count("retry-after"), 1u);
  EXPECT_TRUE(json::parse(refused.body).contains("error"));
}

TEST_F(KServeTest, V2BadRequestsAreKServeErrors) {
  ServerProcess server({}, {"ocrserve_max_images_per_request=2"}, dir_);
  ASSERT_TRUE(server.ready()) << server.log();
  const std::string crop = image("demo_text_recog.jpg");
  const auto error_of = [&](const test::HttpReply& reply) {
    return json::parse(reply.body).at("error").get<std::string>();
  };

  const auto unknown = post_json(server.inference, "/v2/models/nope/infer", v2_request({crop}));
  EXPECT_EQ(unknown.status, 404);
  EXPECT_NE(error_of(unknown).find("nope"), std::string::npos);

  const auto fp32 = post_json(server.inference, "/v2/models/rec/infer",
                              json::parse(R"({"inputs": [{"name": "x", "datatype": "FP32", "shape": [2], "data": [1, 2]}]})"));
  EXPECT_EQ(fp32.status, 400);
  EXPECT_NE(error_of(fp32).find("FP32"), std::string::npos);

  json bad_base64 = v2_request({crop});
  bad_base64["inputs"][0]["data"][0] = "not base64!";
  const auto base64_error = post_json(server.inference, "/v2/models/rec/infer", bad_base64);
  EXPECT_EQ(base64_error.status, 400);
  EXPECT_NE(error_of(base64_error).find("base64"), std::string::npos);

  json wrong_shape = v2_request({crop});
  wrong_shape["inputs"][0]["shape"] = {3};
  const auto shape_error = post_json(server.inference, "/v2/models/rec/infer", wrong_shape);
  EXPECT_EQ(shape_error.status, 400);
  EXPECT_NE(error_of(shape_error).find("shape"), std::string::npos);
  wrong_shape["inputs"][0]["shape"] = {4294967296, 4294967296};
  EXPECT_EQ(post_json(server.inference, "/v2/models/rec/infer", wrong_shape).status, 400);

  json unknown_output = v2_request({crop});
  unknown_output["outputs"] = {{{"name", "boxes"}}};
  const auto output_error = post_json(server.inference, "/v2/models/rec/infer", unknown_output);
  EXPECT_EQ(output_error.status, 400);
  EXPECT_NE(error_of(output_error).find("boxes"), std::string::npos);

  EXPECT_EQ(http(server.inference, "POST", "/v2/models/rec/infer", "{not json", "application/json").status, 400);
  EXPECT_EQ(post_json(server.inference, "/v2/models/rec/infer", json::object()).status, 400);
  const auto not_image = post_json(server.inference, "/v2/models/rec/infer", v2_request({"plain text"}));
  EXPECT_EQ(not_image.status, 400);
  EXPECT_TRUE(json::parse(not_image.body).contains("error"));

  const auto too_many = post_json(server.inference, "/v2/models/rec/infer", v2_request({crop, crop, crop}));
  EXPECT_EQ(too_many.status, 413);
  EXPECT_NE(error_of(too_many).find("ocrserve_max_images_per_request"), std::string::npos);

  EXPECT_EQ(http(server.inference, "GET", "/v2/models/rec/infer").status, 405);
  EXPECT_EQ(http(server.inference, "GET", "/v2/elsewhere").status, 404);
}

TEST_F(KServeTest, V1ListReadyPredictExplain) {
  ServerProcess server({}, {}, dir_);
  ASSERT_TRUE(server.ready()) << server.log();
  const auto list = http(server.inference, "GET", "/v1/models");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(json::parse(list.body), json::parse(R"({"models": ["det", "ocr", "rec"]})"));
  const auto ready = http(server.inference, "GET", "/v1/models/rec");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(json::parse(ready.body), json::parse(R"({"name": "rec", "ready": true})"));
  EXPECT_EQ(http(server.inference, "GET", "/v1/models/nope").status, 404);

  // The three instance forms, one result each in TorchServe's result JSON.
  const std::string crop = base64(image("demo_text_recog.jpg"));
  const json request = {{"instances", {crop, {{"b64", crop}}, {{"data", crop}}}}};
  const auto predict = post_json(server.inference, "/v1/models/rec:predict", request);
  ASSERT_EQ(predict.status, 200) << predict.body;
  const json predictions = json::parse(predict.body)["predictions"];
  ASSERT_EQ(predictions.size(), 3u);
  for (const auto& prediction : predictions) EXPECT_EQ(prediction["text"], "STAR");

  const auto det = post_json(server.inference, "/v1/models/det:predict",
                             {{"instances", {{{"data", base64(image("demo_text_det.jpg"))}}}}});
  ASSERT_EQ(det.status, 200) << det.body;
  EXPECT_GE(json::parse(det.body)["predictions"][0]["boundary_result"].size(), 9u);

  EXPECT_EQ(post_json(server.inference, "/v1/models/rec:predict", {{"instances", {42}}}).status, 400);
  EXPECT_EQ(post_json(server.inference, "/v1/models/rec:predict", {{"instances", {"%%%"}}}).status, 400);
  EXPECT_EQ(post_json(server.inference, "/v1/models/rec:predict", {{"rows", {crop}}}).status, 400);
  EXPECT_EQ(post_json(server.inference, "/v1/models/nope:predict", request).status, 404);
  const auto explain = post_json(server.inference, "/v1/models/rec:explain", request);
  EXPECT_EQ(explain.status, 501);
  EXPECT_TRUE(json::parse(explain.body).contains("error"));
  EXPECT_EQ(post_json(server.inference, "/v1/models/nope:explain", request).status, 404);
  const auto v2_explain = post_json(server.inference, "/v2/models/rec/explain", request);
  EXPECT_EQ(v2_explain.status, 501);
  EXPECT_NE(json::parse(v2_explain.body)["error"].get<std::string>().find("/v2/models/rec/infer"), std::string::npos);
  EXPECT_EQ(post_json(server.inference, "/v2/models/nope/explain", request).status, 404);
}

TEST_F(KServeTest, ServiceEnvelopeGivesPredictionsKServesBodies) {
  const std::string crop = image("demo_text_recog.jpg");
  {
    ServerProcess server({}, {"service_envelope=kservev2"}, dir_);
    ASSERT_TRUE(server.ready()) << server.log();
    json request = v2_request({crop});
    request["id"] = "e2";
    const auto answer = post_json(server.inference, "/predictions/rec", request);
    ASSERT_EQ(answer.status, 200) << answer.body;
    const json response = json::parse(answer.body);
    EXPECT_EQ(response["id"], "e2");
    EXPECT_EQ(response["model_name"], "rec");
    EXPECT_EQ(output(response, "texts")["data"], json::array({"STAR"}));
    // Errors stay TorchServe's on its endpoint.
    const auto bad = post_json(server.inference, "/predictions/rec", json::object());
    EXPECT_EQ(bad.status, 400);
    EXPECT_EQ(json::parse(bad.body)["type"], "BadRequestException");
  }
  ServerProcess server({}, {"service_envelope=kserve"}, dir_);
  ASSERT_TRUE(server.ready()) << server.log();
  const auto answer = post_json(server.inference, "/predictions/rec", {{"instances", {{{"data", base64(crop)}}}}});
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(json::parse(answer.body)["predictions"][0]["text"], "STAR");
}

TEST_F(KServeTest, TokenAuthorizationCoversKServe) {
  ServerProcess server({}, {"disable_token_authorization=false"}, dir_);
  ASSERT_TRUE(server.ready()) << server.log();
  const auto keys = json::parse(test::slurp_text(dir_ / "key_file.json"));
  EXPECT_EQ(http(server.inference, "GET", "/v2/models/rec").status, 400);
  EXPECT_EQ(http(server.inference, "GET", "/v1/models").status, 400);
  EXPECT_EQ(http(server.inference, "GET", "/v2/models/rec", "", "",
                 {{"Authorization", "Bearer " + std::string(keys["inference"]["key"])}}).status, 200);
}

}  // namespace
}  // namespace ocrserve
