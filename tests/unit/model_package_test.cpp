// Model packages: what write_package writes loads, and each way a package can be broken is
// reported with the file and field.
#include <gtest/gtest.h>

#include <array>
#include <fstream>

#include "codec/codec.hpp"
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

// pipeline.json as mmdeploy 1.x writes it for MMOCR's PANet: the test pipeline's transforms
// (ShortScaleAspectJitter, color_ignore_orientation), the data preprocessor's Normalize and
// Pad, and the whole det_head config as params with MMOCR's postprocessor nested in it.
TEST_F(Package, MmdeployDetectorPipelineRunsTheNestedPostprocessor) {
  write_json("pipeline.json", Json::parse(R"({"pipeline": {"input": ["img"], "output": ["post_output"], "tasks": [
    {"type": "Task", "module": "Transform", "name": "Preprocess", "input": ["img"], "output": ["prep_output"],
     "transforms": [
       {"type": "LoadImageFromFile", "color_type": "color_ignore_orientation"},
       {"type": "ShortScaleAspectJitter", "short_size": 736, "scale_divisor": 1, "ratio_range": [1.0, 1.0],
        "aspect_ratio_range": [1.0, 1.0]},
       {"type": "Normalize", "to_rgb": true, "mean": [123.675, 116.28, 103.53], "std": [58.395, 57.12, 57.375]},
       {"type": "Pad", "size_divisor": 32},
       {"type": "DefaultFormatBundle"},
       {"type": "Collect", "keys": ["img"], "meta_keys": ["filename", "ori_shape", "img_shape", "scale_factor"]}]},
    {"name": "panet", "type": "Task", "module": "Net", "is_batched": false, "input": ["prep_output"],
     "output": ["infer_output"], "input_map": {"img": "x"}, "output_map": {}},
    {"type": "Task", "module": "mmocr", "name": "postprocess", "component": "PANHead",
     "params": {"postprocessor": {"type": "PANPostprocessor", "text_repr_type": "quad", "min_text_area": 9}},
     "output": ["post_output"], "input": ["prep_output", "infer_output"]}]}})"));
  const ModelPackage package = ModelPackage::load(dir_);
  EXPECT_EQ(package.codec, "PANPostprocessor");
  EXPECT_EQ(package.codec_params, Json::parse(R"({"text_repr_type": "quad", "min_text_area": 9})"));
  EXPECT_NE(package.codec_where.find("params.postprocessor"), std::string::npos);
  EXPECT_NO_THROW(make_detection_codec(package.codec, package.codec_params, {package.codec_where, dir_}));

  // 460x276: the short side goes to 736 (x 2.6667), the long to round(1226.67) = 1227, then
  // padding to a multiple of 32 gives a 736x1248 input.
  const TransformChain chain(package.transforms, package.transforms_where);
  const Sample sample = chain.run(cv::Mat(276, 460, CV_8UC3, cv::Scalar(10, 20, 30)));
  EXPECT_EQ(sample.resized_size, cv::Size(1227, 736));
  EXPECT_EQ(sample.image.size(), cv::Size(1248, 736));
  EXPECT_NEAR(sample.scale_x, 1227.0 / 460, 1e-9);
  EXPECT_NEAR(sample.scale_y, 736.0 / 276, 1e-9);
}

// Without a nested postprocessor (a package made for the SDK's own heads) the component runs
// with the SDK's defaults.
TEST_F(Package, SdkHeadWithoutNestedPostprocessorKeepsTheComponent) {
  Json pipeline = read("pipeline.json");
  Json& postprocess = pipeline["pipeline"]["tasks"][2];
  postprocess["component"] = "PSEHead";
  postprocess["params"] = Json::parse(R"({"min_kernel_confidence": 0.6})");
  write_json("pipeline.json", pipeline);
  const ModelPackage package = ModelPackage::load(dir_);
  EXPECT_EQ(package.codec, "PSEHead");
  EXPECT_EQ(package.codec_params, Json::parse(R"({"min_kernel_confidence": 0.6})"));
}

// A recogniser as mmdeploy writes CRNN: grayscale loading, the Dictionary as params with the
// dict file among the customs, ignore_chars beside params (not inside).
TEST_F(Package, MmdeployRecognizerPipelineLoads) {
  write("dict_file.txt", "0\n1\n2\na\nb\nc\n");
  write_json("pipeline.json", Json::parse(R"({"pipeline": {"input": ["img"], "output": ["post_output"], "tasks": [
    {"type": "Task", "module": "Transform", "name": "Preprocess", "input": ["img"], "output": ["prep_output"],
     "transforms": [
       {"type": "LoadImageFromFile", "color_type": "grayscale"},
       {"type": "RescaleToHeight", "height": 32, "min_width": 32, "max_width": null, "width_divisor": 16},
       {"type": "Normalize", "to_rgb": false, "mean": [127], "std": [127]},
       {"type": "DefaultFormatBundle"},
       {"type": "Collect", "keys": ["img"], "meta_keys": ["filename", "ori_shape", "img_shape", "valid_ratio"]}]},
    {"name": "crnn", "type": "Task", "module": "Net", "is_batched": true, "input": ["prep_output"],
     "output": ["infer_output"], "input_map": {"img": "x"}, "output_map": {}},
    {"type": "Task", "module": "mmocr", "name": "postprocess", "component": "CTCConvertor",
     "params": {"type": "Dictionary", "dict_file": "dict_file.txt", "with_start": false, "with_end": false,
                "same_start_end": false, "with_padding": true, "with_unknown": true},
     "ignore_chars": ["padding", "c"],
     "output": ["post_output"], "input": ["prep_output", "infer_output"]}]}})"));
  const ModelPackage package = ModelPackage::load(dir_);
  EXPECT_EQ(package.codec, "CTCConvertor");
  EXPECT_EQ(package.codec_params.at("ignore_chars"), Json::parse(R"(["padding", "c"])"));
  const auto codec = make_recognition_codec(package.codec, package.codec_params, {package.codec_where, dir_});

  // Classes: 0 1 2 a b c <PAD>=6 <UKN>=7. Steps argmax a, a, <PAD>, c, b: "c" is ignored.
  Tensor scores{"output", {1, 5, 8}, std::vector<float>(40, 0.0f)};
  for (const auto& [step, cls] : std::vector<std::pair<int, int>>{{0, 3}, {1, 3}, {2, 6}, {3, 5}, {4, 4}}) {
    scores.data[step * 8 + cls] = 0.9f;
  }
  EXPECT_EQ(codec->decode({scores}, 0).text, "ab");

  // 50x20 colour in, one channel 32 high out: width ceil(32 / 20 * 50) = 80, a multiple of 16.
  const TransformChain chain(package.transforms, package.transforms_where);
  const Sample sample = chain.run(cv::Mat(20, 50, CV_8UC3, cv::Scalar(127, 127, 127)));
  EXPECT_EQ(sample.image.channels(), 1);
  EXPECT_EQ(sample.image.size(), cv::Size(80, 32));
}

// mmdeploy's own Resize spelling: size [w, h], as its SDK reads it (the exporter renames MMOCR's
// scale (w, h) to size unchanged).
TEST_F(Package, ResizeAcceptsTheSdkSizeOrder) {
  const TransformChain chain(Json::parse(R"([{"type": "Resize", "size": [100, 40], "keep_ratio": false}])"), "test");
  EXPECT_EQ(chain.run(cv::Mat(10, 10, CV_8UC3)).image.size(), cv::Size(100, 40));
  EXPECT_THROW(TransformChain(Json::parse(R"([{"type": "ShortScaleAspectJitter", "ratio_range": [0.7, 1.3]}])"), "test"),
               Error);
}

// A detector as mmdeploy 1.x writes DBNet for a static 150 x 100 input: Resize with size [150, 100]
// and keep_ratio false, the empty params of every 1.x release. A 300 x 100 image is squeezed to
// half its width only, so a box found at map x 20..59, y 30..39 lies at twice those x in the
// image and the same y (read as [h, w], the input would be 100 x 150 and the box elsewhere).
TEST_F(Package, NonSquareSizeWithoutKeepRatioPutsDbBoxesInPlace) {
  write_json("pipeline.json", Json::parse(R"({"pipeline": {"input": ["img"], "output": ["post_output"], "tasks": [
    {"type": "Task", "module": "Transform", "name": "Preprocess", "input": ["img"], "output": ["prep_output"],
     "transforms": [
       {"type": "LoadImageFromFile", "file_client_args": {"backend": "disk"}, "color_type": "color_ignore_orientation"},
       {"type": "Resize", "keep_ratio": false, "size": [150, 100]},
       {"type": "Normalize", "to_rgb": true, "mean": [123.675, 116.28, 103.53], "std": [58.395, 57.12, 57.375]},
       {"type": "Pad", "size_divisor": 32},
       {"type": "DefaultFormatBundle"},
       {"type": "Collect", "meta_keys": ["img_shape", "ori_shape", "scale_factor"], "keys": ["img"]}]},
    {"name": "dbnet", "type": "Task", "module": "Net", "is_batched": false, "input": ["prep_output"],
     "output": ["infer_output"], "input_map": {"img": "x"}, "output_map": {}},
    {"type": "Task", "module": "mmocr", "name": "postprocess", "component": "DBHead", "params": {},
     "output": ["post_output"], "input": ["prep_output", "infer_output"]}]}})"));
  const ModelPackage package = ModelPackage::load(dir_);
  EXPECT_EQ(package.codec, "DBHead");
  EXPECT_EQ(package.codec_params, Json::object());
  const TransformChain chain(package.transforms, package.transforms_where);
  const Sample sample = chain.run(cv::Mat(100, 300, CV_8UC3, cv::Scalar(200, 200, 200)));
  EXPECT_EQ(sample.resized_size, cv::Size(150, 100));
  EXPECT_EQ(sample.image.size(), cv::Size(160, 128));  // padded to multiples of 32
  EXPECT_DOUBLE_EQ(sample.scale_x, 0.5);
  EXPECT_DOUBLE_EQ(sample.scale_y, 1.0);

  // The network's probability map for that input: one block x 20..59, y 30..39. Unclipped
  // (d = 5.48, Clipper: x 15..64, y 25..44) on the map, then x divided by 0.5.
  Tensor map{"output", {1, 128, 160}, std::vector<float>(128 * 160, 0.0f)};
  for (int y = 30; y <= 39; ++y) {
    for (int x = 20; x <= 59; ++x) map.data[y * 160 + x] = 0.9f;
  }
  const auto codec = make_detection_codec(package.codec, package.codec_params, {package.codec_where, dir_});
  const ImageGeometry geometry{sample.original_size.width, sample.original_size.height, sample.scale_x, sample.scale_y};
  const DetectionResult boxes = codec->decode({map}, 0, geometry);
  ASSERT_EQ(boxes.size(), 1u);
  const std::vector<std::array<float, 2>> corners{{30, 25}, {128, 25}, {128, 44}, {30, 44}};
  ASSERT_EQ(boxes[0].polygon.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_FLOAT_EQ(boxes[0].polygon[i].x, corners[i][0]) << i;
    EXPECT_FLOAT_EQ(boxes[0].polygon[i].y, corners[i][1]) << i;
  }
  EXPECT_FLOAT_EQ(boxes[0].score, 0.9f);
}

// A recogniser as mmdeploy >= 1.2 writes it: ignore_chars inside params, and the Pad with
// size_divisor 1 that changes nothing.
TEST_F(Package, RecognizerIgnoreCharsInsideParams) {
  write("dict_file.txt", "a\nb\nc\n");
  write_json("pipeline.json", Json::parse(R"({"pipeline": {"input": ["img"], "output": ["post_output"], "tasks": [
    {"type": "Task", "module": "Transform", "name": "Preprocess", "input": ["img"], "output": ["prep_output"],
     "transforms": [
       {"type": "LoadImageFromFile", "file_client_args": {"backend": "disk"}},
       {"type": "Resize", "keep_ratio": false, "size": [100, 32]},
       {"type": "Normalize", "to_rgb": false, "mean": [127, 127, 127], "std": [127, 127, 127]},
       {"type": "Pad", "size_divisor": 1},
       {"type": "DefaultFormatBundle"},
       {"type": "Collect", "meta_keys": ["valid_ratio"], "keys": ["img"]}]},
    {"name": "satrn", "type": "Task", "module": "Net", "is_batched": true, "input": ["prep_output"],
     "output": ["infer_output"], "input_map": {"img": "x"}, "output_map": {}},
    {"type": "Task", "module": "mmocr", "name": "postprocess", "component": "AttnConvertor",
     "params": {"type": "Dictionary", "dict_file": "dict_file.txt", "with_start": true, "with_end": true,
                "same_start_end": true, "with_padding": true, "with_unknown": true, "ignore_chars": ["padding", "b"]},
     "output": ["post_output"], "input": ["prep_output", "infer_output"]}]}})"));
  const ModelPackage package = ModelPackage::load(dir_);
  EXPECT_EQ(package.codec_params.at("ignore_chars"), Json::parse(R"(["padding", "b"])"));
  const auto codec = make_recognition_codec(package.codec, package.codec_params, {package.codec_where, dir_});
  // Classes: a b c <BOS/EOS>=3 <PAD>=4 <UKN>=5. Steps a, b, <PAD>, c, <EOS>.
  Tensor scores{"output", {1, 5, 6}, std::vector<float>(30, 0.0f)};
  for (const auto& [step, cls] : std::vector<std::pair<int, int>>{{0, 0}, {1, 1}, {2, 4}, {3, 2}, {4, 3}}) {
    scores.data[step * 6 + cls] = 0.9f;
  }
  EXPECT_EQ(codec->decode({scores}, 0).text, "ac");
  const TransformChain chain(package.transforms, package.transforms_where);
  EXPECT_EQ(chain.run(cv::Mat(20, 50, CV_8UC3, cv::Scalar(127, 127, 127))).image.size(), cv::Size(100, 32));
}

TEST_F(Package, UnknownColorTypeNamesTheField) {
  try {
    TransformChain(Json::parse(R"([{"type": "LoadImageFromFile", "color_type": "sepia"}])"), "pipeline.json");
    FAIL() << "accepted color_type sepia";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::bad_input);
    EXPECT_NE(std::string(e.what()).find("\"color_type\""), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("sepia"), std::string::npos) << e.what();
  }
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

TEST_F(Package, FilesOutsideThePackageAreRefused) {
  Json deploy = read("deploy.json");
  for (const char* outside : {"/etc/passwd", "../outside.onnx", "../../../../etc/passwd"}) {
    deploy["models"][0]["net"] = outside;
    write_json("deploy.json", deploy);
    const Error error = load_error();
    EXPECT_EQ(error.kind(), ErrorKind::bad_input) << outside;
    EXPECT_NE(std::string(error.what()).find("outside the package directory"), std::string::npos) << error.what();
  }
  // A link inside the package that points out of it counts as outside.
  fs::create_symlink(kClsOnnx, dir_ / "linked.onnx");
  deploy["models"][0]["net"] = "linked.onnx";
  write_json("deploy.json", deploy);
  EXPECT_NE(std::string(load_error().what()).find("outside the package directory"), std::string::npos);
}

TEST_F(Package, DeeplyNestedJsonIsRefusedBeforeParsing) {
  write("pipeline.json", std::string(100000, '[') + std::string(100000, ']'));
  const Error error = load_error();
  EXPECT_EQ(error.kind(), ErrorKind::bad_input);
  EXPECT_NE(std::string(error.what()).find("pipeline.json: malformed JSON: nested deeper than 256 levels"), std::string::npos)
      << error.what();
  // A number too large for a double is malformed, not a crash.
  write("deploy.json", R"({"task": "TextDetector", "models": 1e999})");
  EXPECT_NE(std::string(load_error().what()).find("deploy.json: malformed JSON"), std::string::npos) << load_error().what();
  // Brackets inside strings are text, not nesting.
  EXPECT_EQ(parse_json("{\"a\": \"" + std::string(1000, '[') + "\\\"\"}", "text")["a"].get<std::string>().size(), 1001u);
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
