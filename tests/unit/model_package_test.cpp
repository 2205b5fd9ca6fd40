// Model packages: what write_package writes loads, and each way a package can be broken is
// reported with the file and field.
#include <gtest/gtest.h>

#include <fstream>

#include "model/model_package.hpp"
#include "model/package_writer.hpp"
#include "ocrserve/error.hpp"
#include "pipeline/model.hpp"

namespace ocrserve {
namespace {

namespace fs = std::filesystem;
const fs::path kClsOnnx = fs::path(OCRSERVE_SOURCE_DIR) / "third_party/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx";

class Package : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ocrserve-pkg-" + std::to_string(getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    write_package(preset_spec("ppocr-cls"), kClsOnnx, {{"x"}, {"softmax_0.tmp_0"}}, dir_, false);
  }
  void TearDown() override { fs::remove_all(dir_); }

  Json read(const std::string& file) { return read_json_file(dir_ / file); }
  void write(const std::string& file, const std::string& text) { std::ofstream(dir_ / file) << text; }
  void write_json(const std::string& file, const Json& json) { write(file, json.dump()); }

  // The error that loading the package as a Model raises.
  Error load_error() {
    try {
      Model model(dir_, {});
    } catch (const Error& e) {
      return e;
    }
    return Error(ErrorKind::internal, "loaded without an error");
  }

  fs::path dir_;
};

TEST_F(Package, WrittenPackageLoads) {
  const ModelPackage package = ModelPackage::load(dir_);
  EXPECT_EQ(package.task, "TextAngleClassifier");
  EXPECT_EQ(package.backend, "onnxruntime");
  EXPECT_EQ(package.network, dir_ / "end2end.onnx");
  EXPECT_EQ(package.input_name, "x");
  EXPECT_EQ(package.codec, "AngleClassifier");
  EXPECT_EQ(package.transforms.size(), 6u);
  Model model(dir_, {});
  EXPECT_EQ(model.task(), CodecTask::classification);
  try {
    write_package(preset_spec("ppocr-cls"), kClsOnnx, {{"x"}, {}}, dir_, false);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--force"), std::string::npos);
  }
}

TEST_F(Package, MmdeployWrittenPipelineLoads) {
  write_json("pipeline.json", Json::parse(R"({"pipeline": {"input": ["img"], "output": ["post_output"], "tasks": [
    {"type": "Task", "module": "Transform", "name": "Preprocess", "input": ["img"], "output": ["prep_output"],
     "transforms": [{"type": "LoadImageFromFile"}, {"type": "Resize", "scale": [192, 48], "keep_ratio": false},
                    {"type": "Normalize", "mean": [127.5, 127.5, 127.5], "std": [127.5, 127.5, 127.5], "to_rgb": false},
                    {"type": "PackTextRecogInputs", "meta_keys": ["img_shape"]}]},
    {"name": "cls", "type": "Task", "module": "Net", "is_batched": true, "input": ["prep_output"],
     "output": ["infer_output"], "input_map": {"img": "x"}, "output_map": {}},
    {"type": "Task", "module": "mmocr", "name": "postprocess", "component": "AngleClassifier", "params": {},
     "output": ["post_output"], "input": ["prep_output", "infer_output"]}]}})"));
  EXPECT_NO_THROW(Model(dir_, {}));
}

TEST_F(Package, MissingFilesAreNotFoundNamingTheFile) {
  fs::remove(dir_ / "deploy.json");
  const Error error = load_error();
  EXPECT_EQ(error.kind(), ErrorKind::not_found);
  EXPECT_NE(std::string(error.what()).find("deploy.json"), std::string::npos);
  EXPECT_EQ([&] {
    try {
      ModelPackage::load(dir_ / "nowhere");
    } catch (const Error& e) {
      return e.kind();
    }
    return ErrorKind::internal;
  }(), ErrorKind::not_found);
}

TEST_F(Package, MalformedJsonNamesTheFile) {
  write("pipeline.json", "{\"pipeline\": ");
  const Error error = load_error();
  EXPECT_EQ(error.kind(), ErrorKind::bad_input);
  EXPECT_NE(std::string(error.what()).find("pipeline.json"), std::string::npos);
}

TEST_F(Package, MissingFieldsNameTheField) {
  Json deploy = read("deploy.json");
  deploy.erase("models");
  write_json("deploy.json", deploy);
  Error error = load_error();
  EXPECT_EQ(error.kind(), ErrorKind::bad_input);
  EXPECT_NE(std::string(error.what()).find("\"models\""), std::string::npos) << error.what();

  deploy = read("deploy.json");
  deploy["models"] = Json::array({{{"backend", "onnxruntime"}, {"net", "gone.onnx"}}});
  write_json("deploy.json", deploy);
  error = load_error();
  EXPECT_EQ(error.kind(), ErrorKind::not_found);
  EXPECT_NE(std::string(error.what()).find("gone.onnx"), std::string::npos);
}

TEST_F(Package, UnknownTransformAndPostprocessorAreUnsupported) {
  Json pipeline = read("pipeline.json");
  pipeline["pipeline"]["tasks"][0]["transforms"][2]["type"] = "Sharpen";
  write_json("pipeline.json", pipeline);
  Error error = load_error();
  EXPECT_EQ(error.kind(), ErrorKind::unsupported);
  EXPECT_NE(std::string(error.what()).find("Sharpen"), std::string::npos);
  EXPECT_NE(std::string(error.what()).find("pipeline.json"), std::string::npos);

  pipeline = read("pipeline.json");
  pipeline["pipeline"]["tasks"][0]["transforms"][2]["type"] = "Normalize";
  pipeline["pipeline"]["tasks"][2]["component"] = "MagicHead";
  write_json("pipeline.json", pipeline);
  error = load_error();
  EXPECT_EQ(error.kind(), ErrorKind::unsupported);
  EXPECT_NE(std::string(error.what()).find("MagicHead"), std::string::npos);

  pipeline["pipeline"]["tasks"].erase(0);
  write_json("pipeline.json", pipeline);
  EXPECT_EQ(load_error().kind(), ErrorKind::bad_input);
}

TEST_F(Package, CorruptNetworkIsBadInputNamingIt) {
  write("end2end.onnx", "definitely not protobuf");
  Error error = load_error();
  EXPECT_EQ(error.kind(), ErrorKind::bad_input);
  EXPECT_NE(std::string(error.what()).find("end2end.onnx"), std::string::npos);

  fs::copy_file(kClsOnnx, dir_ / "end2end.onnx", fs::copy_options::overwrite_existing);
  fs::resize_file(dir_ / "end2end.onnx", 1000);
  EXPECT_EQ(load_error().kind(), ErrorKind::bad_input);
}

TEST_F(Package, InputMapMustNameANetworkInput) {
  Json pipeline = read("pipeline.json");
  pipeline["pipeline"]["tasks"][1]["input_map"]["img"] = "input";
  write_json("pipeline.json", pipeline);
  const Error error = load_error();
  EXPECT_EQ(error.kind(), ErrorKind::bad_input);
  EXPECT_NE(std::string(error.what()).find("\"input\""), std::string::npos);
  EXPECT_NE(std::string(error.what()).find("x"), std::string::npos);
}

}  // namespace
}  // namespace ocrserve
