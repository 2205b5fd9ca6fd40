// The v2 REST codec: requests' JSON and binary tensor data, responses' both ways.
#include <gtest/gtest.h>

#include "core/base64.hpp"
#include "frontend/kserve/v2_json.hpp"
#include "ocrserve/error.hpp"

namespace ocrserve::kserve {
namespace {

std::string le32(uint32_t value) {
  std::string out;
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<char>((value >> shift) & 0xff));
  return out;
}

TEST(V2Json, NestedBase64ElementsAreFlattenedInOrder) {
  const std::string body = R"({"id": "x", "inputs": [{"name": "images", "datatype": "BYTES", "shape": [1, 2],
    "data": [[")" + base64_encode("one") + R"(", ")" + base64_encode("two") + R"("]]}],
    "outputs": [{"name": "texts", "parameters": {"binary_data": true}}, {"name": "scores"}]})";
  const InferRequest request = parse_infer_request(body, std::nullopt);
  EXPECT_EQ(request.id, "x");
  ASSERT_EQ(request.inputs.size(), 1u);
  EXPECT_EQ(request.inputs[0].bytes, (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(request.inputs[0].shape, (std::vector<int64_t>{1, 2}));
  ASSERT_EQ(request.outputs.size(), 2u);
  EXPECT_TRUE(request.outputs[0].binary);
  EXPECT_FALSE(request.outputs[1].binary);
}

TEST(V2Json, BinaryDataFollowsTheJsonInInputOrder) {
  const std::string first = le32(3) + "abc" + le32(0);
  const std::string second = le32(2) + "de";
  const std::string head = R"({"parameters": {"binary_data_output": true}, "inputs": [
    {"name": "a", "datatype": "BYTES", "shape": [2], "parameters": {"binary_data_size": )" +
                           std::to_string(first.size()) + R"(}},
    {"name": "b", "datatype": "BYTES", "shape": [1], "parameters": {"binary_data_size": )" +
                           std::to_string(second.size()) + "}}]}";
  const InferRequest request = parse_infer_request(head + first + second, head.size());
  EXPECT_TRUE(request.binary_outputs);
  EXPECT_EQ(request.inputs[0].bytes, (std::vector<std::string>{"abc", ""}));
  EXPECT_EQ(request.inputs[1].bytes, (std::vector<std::string>{"de"}));
  // One byte too many, too few, an element running past its tensor, a header past the body.
  EXPECT_THROW(parse_infer_request(head + first + second + "!", head.size()), Error);
  EXPECT_THROW(parse_infer_request(head + first + second.substr(1), head.size()), Error);
  EXPECT_THROW(parse_infer_request(head + le32(9) + "abc" + le32(0) + second, head.size()), Error);
  EXPECT_THROW(parse_infer_request(head, head.size() + 1), Error);
}

TEST(V2Json, MalformedRequestsAreBadInput) {
  for (const char* body : {"[]", "{}", R"({"inputs": {}})", R"({"inputs": [{"datatype": "BYTES", "shape": [1], "data": []}]})",
                           R"({"inputs": [{"name": "a", "datatype": "BYTES", "shape": [-1], "data": []}]})",
                           R"({"inputs": [{"name": "a", "datatype": "BYTES", "shape": [1]}]})",
                           R"({"inputs": [{"name": "a", "datatype": "BYTES", "shape": [1], "data": [7]}]})",
                           R"({"inputs": [{"name": "a", "datatype": "BYTES", "shape": [1], "data": ["!!"]}]})",
                           R"({"id": 5, "inputs": []})", R"({"inputs": [], "outputs": [{"name": 1}]})"}) {
    try {
      parse_infer_request(body, std::nullopt);
      ADD_FAILURE() << body;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::bad_input) << body;
    }
  }
}

TEST(V2Json, ResponseDataInJsonOrAfterIt) {
  const std::vector<Tensor> outputs = {{"texts", "BYTES", {2}, {"hé", "x"}, {}, {}},
                                       {"scores", "FP32", {2}, {}, {0.5f, 1.0f}, {}},
                                       {"image_index", "INT32", {2}, {}, {}, {0, 1}}};
  const EncodedResponse json = encode_infer_response("rec", "1.0", std::nullopt, outputs, {false, false, false});
  EXPECT_FALSE(json.json_length);
  EXPECT_EQ(json.body, R"({"model_name":"rec","model_version":"1.0","outputs":[{"name":"texts","datatype":"BYTES","shape":[2],)"
                       R"("data":["hé","x"]},{"name":"scores","datatype":"FP32","shape":[2],"data":[0.5,1.0]},)"
                       R"({"name":"image_index","datatype":"INT32","shape":[2],"data":[0,1]}]})");
  const EncodedResponse binary = encode_infer_response("rec", "1.0", std::string("id"), outputs, {true, false, true});
  ASSERT_TRUE(binary.json_length);
  const Json head = Json::parse(binary.body.substr(0, *binary.json_length));
  EXPECT_EQ(head["id"], "id");
  EXPECT_EQ(head["outputs"][0]["parameters"]["binary_data_size"], 4 + 3 + 4 + 1);
  EXPECT_FALSE(head["outputs"][0].contains("data"));
  EXPECT_EQ(head["outputs"][2]["parameters"]["binary_data_size"], 8);
  EXPECT_EQ(binary.body.substr(*binary.json_length), le32(3) + "hé" + le32(1) + "x" + le32(0) + le32(1));
}

}  // namespace
}  // namespace ocrserve::kserve
