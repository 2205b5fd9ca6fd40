// The real `ocrserve` binary: help texts, results, and every input a user can get wrong.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <tuple>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "support/ground_truth.hpp"
#include "support/pdf_writer.hpp"
#include "support/process.hpp"

namespace ocrserve {
namespace {

namespace fs = std::filesystem;
using test::kData;
using test::kModels;
using test::run_process;

const std::string kBinary = OCRSERVE_BINARY;

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ocrserve-cli-" + std::to_string(getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& name, const std::string& bytes) {
    std::ofstream(dir_ / name, std::ios::binary) << bytes;
    return dir_ / name;
  }
  // A copy of a default package that a test may break.
  fs::path package_copy(const std::string& package) {
    fs::copy(kModels / package, dir_ / package, fs::copy_options::recursive);
    return dir_ / package;
  }
  test::ProcessResult infer(const std::vector<std::string>& extra) {
    std::vector<std::string> args = {kBinary, "infer"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_process(args);
  }

  fs::path dir_;
};

// With a home of its own, a run leaves the optimised-graph cache in ~/.cache/ocrserve (reused by
// the next run) and nothing of ONNX Runtime's telemetry (device id, event store).
TEST_F(Cli, KeepsItsGraphCacheInTheHomeAndSendsNoTelemetry) {
  const std::string home = getenv("HOME") ? getenv("HOME") : "";
  for (const char* name : {"OCRSERVE_CACHE_DIR", "XDG_CACHE_HOME", "ORT_DISABLE_TELEMETRY"}) unsetenv(name);
  setenv("HOME", dir_.c_str(), 1);
  const auto first = infer({"--model", (kModels / "ppocr-rec").string(), (kData / "demo/demo_text_recog.jpg").string()});
  const auto second = infer({"--model", (kModels / "ppocr-rec").string(), (kData / "demo/demo_text_recog.jpg").string()});
  setenv("HOME", home.c_str(), 1);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(nlohmann::json::parse(second.out)["text"], "STAR");
  EXPECT_EQ(second.out, first.out);
  size_t entries = 0;
  for (const auto& entry : fs::directory_iterator(dir_ / ".cache" / "ocrserve")) entries += entry.path().extension() == ".ort";
  EXPECT_EQ(entries, 1u);
  EXPECT_FALSE(fs::exists(dir_ / ".cache" / "Microsoft"));
}

TEST_F(Cli, HelpListsCommandsAndOptions) {
  const auto top = run_process({kBinary, "--help"});
  EXPECT_EQ(top.exit_code, 0);
  for (const char* word : {"infer", "package", "Exit codes"}) EXPECT_NE(top.out.find(word), std::string::npos) << word;
  const auto infer_help = run_process({kBinary, "infer", "--help"});
  EXPECT_EQ(infer_help.exit_code, 0);
  for (const char* word : {"--model", "--rec", "--cls", "--json", "--show", "--threads", "--batch-size"}) {
    EXPECT_NE(infer_help.out.find(word), std::string::npos) << word;
  }
  const auto package_help = run_process({kBinary, "package", "--help"});
  EXPECT_EQ(package_help.exit_code, 0);
  for (const char* word : {"--onnx", "--preset", "ppocr-det", "--params", "--dict", "--output", "--force"}) {
    EXPECT_NE(package_help.out.find(word), std::string::npos) << word;
  }
  EXPECT_EQ(run_process({kBinary}).exit_code, 2);
  EXPECT_EQ(run_process({kBinary, "infer", "--no-such-option", "x.jpg"}).exit_code, 2);
}

TEST_F(Cli, DetectionPrintsBoundaryResult) {
  const auto json_file = dir_ / "det.json";
  const auto r = infer({"--model", (kModels / "ppocr-det").string(), (kData / "demo/demo_text_det.jpg").string(),
                        "--json", json_file.string(), "--show", (dir_ / "det.png").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto json = nlohmann::json::parse(r.out);
  ASSERT_TRUE(json.contains("boundary_result"));
  EXPECT_GE(json["boundary_result"].size(), 9u);
  for (const auto& box : json["boundary_result"]) EXPECT_EQ(box.size(), 9u);  // 4 points + score
  EXPECT_EQ(nlohmann::json::parse(test::slurp_text(json_file)), json);
  const cv::Mat picture = cv::imread((dir_ / "det.png").string());
  EXPECT_EQ(picture.cols, cv::imread((kData / "demo/demo_text_det.jpg").string()).cols);
}

TEST_F(Cli, RecognitionPrintsTextAndScore) {
  const auto r = infer({"--model", (kModels / "ppocr-rec").string(), (kData / "demo/demo_text_recog.jpg").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["text"], "STAR");
  EXPECT_GT(json["score"].get<double>(), 0.9);
}

TEST_F(Cli, EndToEndWithDefaultsAndPicture) {
  const auto r = infer({(kData / "demo/demo_text_ocr.jpg").string(), "--show", (dir_ / "ocr.png").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto json = nlohmann::json::parse(r.out);
  ASSERT_TRUE(json.is_array());
  std::string texts;
  for (const auto& item : json) {
    for (const char* key : {"polygon", "det_score", "text", "score"}) EXPECT_TRUE(item.contains(key)) << key;
    texts += item["text"].get<std::string>() + " ";
  }
  EXPECT_NE(texts.find("SALE"), std::string::npos) << texts;
  const cv::Mat picture = cv::imread((dir_ / "ocr.png").string());
  EXPECT_EQ(picture.cols, 2 * 727);  // image and text panel side by side
  EXPECT_EQ(picture.rows, 610);
}

TEST_F(Cli, SeveralImagesListEachAndKeepGoingPastABadOne) {
  const auto r = infer({"--model", (kModels / "ppocr-rec").string(), (kData / "demo/demo_text_recog.jpg").string(),
                        (kData / "demo/broken.jpg").string()});
  EXPECT_EQ(r.exit_code, 3);
  const auto json = nlohmann::json::parse(r.out);
  ASSERT_EQ(json.size(), 2u);
  EXPECT_EQ(json[0]["result"]["text"], "STAR");
  EXPECT_EQ(json[1]["error"]["type"], "bad_input");
}

TEST_F(Cli, BadImagesGiveClearErrors) {
  const std::string det = (kModels / "ppocr-det").string();
  struct Case {
    fs::path image;
    int exit_code;
    std::string message;
  };
  cv::Mat one(1, 1, CV_8UC3, cv::Scalar(255, 255, 255));
  cv::imwrite((dir_ / "one.png").string(), one);
  // A PNG whose header claims 30000 x 30000 pixels, followed by nothing.
  std::string bomb = std::string("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\x75\x30\0\0\x75\x30\x08\x02\0\0\0", 29);
  bomb += std::string(4, '\0');
  const std::vector<Case> cases = {
      {dir_ / "missing.jpg", 4, "not found"},
      {write("empty.jpg", ""), 3, "empty"},
      {kData / "demo/broken.jpg", 3, "broken.jpg"},
      {write("text.jpg", "this is not a picture\n"), 3, "not an image"},
      {write("truncated.png", test::slurp_text(dir_ / "one.png").substr(0, 30)), 3, "truncated.png"},
      {write("bomb.png", bomb), 3, "30000"},
  };
  for (const auto& c : cases) {
    const auto start = std::chrono::steady_clock::now();
    const auto r = infer({"--model", det, c.image.string()});
    EXPECT_EQ(r.exit_code, c.exit_code) << c.image << ": " << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.image << ": " << r.err;
    EXPECT_NE(r.err.find(c.image.filename().string()), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("ocrserve: error:"), r.err.rfind("ocrserve: error:")) << "printed more than once: " << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
    (void)start;
  }
  const auto tiny = infer({"--model", det, (dir_ / "one.png").string()});
  ASSERT_EQ(tiny.exit_code, 0) << tiny.err;
  EXPECT_EQ(nlohmann::json::parse(tiny.out)["boundary_result"].size(), 0u);
}

TEST_F(Cli, BrokenPackagesNameTheFileAndField) {
  const std::string image = (kData / "demo/demo_text_det.jpg").string();
  {
    const auto pkg = package_copy("ppocr-det");
    fs::remove(pkg / "deploy.json");
    const auto r = infer({"--model", pkg.string(), image});
    EXPECT_EQ(r.exit_code, 4);
    EXPECT_NE(r.err.find("deploy.json"), std::string::npos) << r.err;
    fs::remove_all(pkg);
  }
  {
    const auto pkg = package_copy("ppocr-det");
    write("ppocr-det/pipeline.json", "{\"pipeline\": {\"tasks\": [");
    const auto r = infer({"--model", pkg.string(), image});
    EXPECT_EQ(r.exit_code, 3);
    EXPECT_NE(r.err.find("pipeline.json"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("malformed JSON"), std::string::npos) << r.err;
    fs::remove_all(pkg);
  }
  {
    const auto pkg = package_copy("ppocr-det");
    auto pipeline = nlohmann::json::parse(test::slurp_text(pkg / "pipeline.json"));
    pipeline["pipeline"]["tasks"][0]["transforms"][1]["type"] = "Sharpen";
    write("ppocr-det/pipeline.json", pipeline.dump());
    const auto r = infer({"--model", pkg.string(), image});
    EXPECT_EQ(r.exit_code, 5);
    EXPECT_NE(r.err.find("unknown transform \"Sharpen\""), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("transforms[1]"), std::string::npos) << r.err;
    fs::remove_all(pkg);
  }
  {
    const auto pkg = package_copy("ppocr-det");
    auto pipeline = nlohmann::json::parse(test::slurp_text(pkg / "pipeline.json"));
    pipeline["pipeline"]["tasks"][2]["component"] = "MagicHead";
    write("ppocr-det/pipeline.json", pipeline.dump());
    const auto r = infer({"--model", pkg.string(), image});
    EXPECT_EQ(r.exit_code, 5);
    EXPECT_NE(r.err.find("MagicHead"), std::string::npos) << r.err;
    fs::remove_all(pkg);
  }
  {
    const auto pkg = package_copy("ppocr-det");
    const std::string onnx = test::slurp_text(pkg / "end2end.onnx");
    write("ppocr-det/end2end.onnx", onnx.substr(0, onnx.size() / 3));
    const auto r = infer({"--model", pkg.string(), image});
    EXPECT_EQ(r.exit_code, 3);
    EXPECT_NE(r.err.find("end2end.onnx"), std::string::npos) << r.err;
    fs::remove_all(pkg);
  }
  {
    const auto r = infer({"--model", (dir_ / "nowhere").string(), image});
    EXPECT_EQ(r.exit_code, 4);
    EXPECT_NE(r.err.find("nowhere"), std::string::npos) << r.err;
  }
}

// Without the default models, commands that need them say how to install them and leave no
// half-made model folder behind.
TEST_F(Cli, MissingDefaultModelsSayHowToInstallThem) {
  const fs::path models = dir_ / "models", tmp = dir_ / "tmp";  // tmp: a pid file of its own
  fs::create_directories(models);
  fs::create_directories(tmp);
  const std::string old_tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "";
  setenv("OCRSERVE_MODELS", models.c_str(), 1);
  const auto infer_result = infer({(kData / "demo/demo_text_det.jpg").string()});
  setenv("TMPDIR", tmp.c_str(), 1);
  const auto start_result = run_process({kBinary, "start", "--foreground"});
  old_tmp.empty() ? unsetenv("TMPDIR") : setenv("TMPDIR", old_tmp.c_str(), 1);
  unsetenv("OCRSERVE_MODELS");
  for (const auto& r : {infer_result, start_result}) {
    EXPECT_EQ(r.exit_code, 4) << r.err;
    EXPECT_NE(r.err.find("OCRSERVE_MODELS=" + models.string() + " holds no ppocr-det"), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
  EXPECT_TRUE(fs::is_empty(models));

  // An executable with no models/ folder beside it or above it (nor in the current folder).
  const fs::path lone = dir_ / "bin" / "ocrserve";
  fs::create_directories(lone.parent_path());
  fs::copy_file(kBinary, lone);
  const auto r = run_process({lone.string(), "infer", (kData / "demo/demo_text_det.jpg").string()});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("the default models are not installed: no models/ppocr-det or share/ocrserve/models/ppocr-det "
                       "above " + lone.parent_path().string()),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("Run ./setup.sh"), std::string::npos) << r.err;
}

TEST_F(Cli, PackageWritesALoadablePackageAndRefusesToOverwrite) {
  const fs::path assets = fs::path(OCRSERVE_SOURCE_DIR) / "third_party/ocr-models/assets";
  const fs::path out = dir_ / "cls";
  const auto r = run_process({kBinary, "package", "--preset", "ppocr-cls", "--onnx",
                              (assets / "ch_ppocr_mobile_v2.0_cls_infer.onnx").string(), "--output", out.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* file : {"deploy.json", "pipeline.json", "detail.json", "end2end.onnx"}) {
    EXPECT_TRUE(fs::exists(out / file)) << file;
  }
  const auto again = run_process({kBinary, "package", "--preset", "ppocr-cls", "--onnx",
                                  (assets / "ch_ppocr_mobile_v2.0_cls_infer.onnx").string(), "--output", out.string()});
  EXPECT_EQ(again.exit_code, 3);
  EXPECT_NE(again.err.find("--force"), std::string::npos) << again.err;

  const auto no_dict = run_process({kBinary, "package", "--preset", "ppocr-rec", "--onnx",
                                    (assets / "ch_PP-OCRv4_rec_infer.onnx").string(), "--output", (dir_ / "rec").string()});
  EXPECT_EQ(no_dict.exit_code, 3);
  EXPECT_NE(no_dict.err.find("--dict"), std::string::npos) << no_dict.err;

  const auto corrupt = run_process({kBinary, "package", "--preset", "ppocr-cls", "--onnx",
                                    write("bad.onnx", "not a network").string(), "--output", (dir_ / "bad").string()});
  EXPECT_EQ(corrupt.exit_code, 3);
  EXPECT_NE(corrupt.err.find("bad.onnx"), std::string::npos) << corrupt.err;
  EXPECT_FALSE(fs::exists(dir_ / "bad" / "deploy.json"));
}

// Whether an end-to-end result holds the lines of the demo picture that every configuration reads
// (its two small blurred lines read differently with any change, fp32 too), and how many lines it has.
testing::AssertionResult reads_demo_ocr(const std::string& out) {
  std::multiset<std::string> texts;
  const auto json = nlohmann::json::parse(out);
  for (const auto& line : json) texts.insert(line["text"].get<std::string>());
  for (const char* clear : {"SALE", "ALL YEAR", "70%", "ROUND", "OCBCBank"}) {
    if (!texts.count(clear)) return testing::AssertionFailure() << "no \"" << clear << "\" in " << out;
  }
  if (texts.count("SALE") != 2 || json.size() != 8) return testing::AssertionFailure() << out;
  return testing::AssertionSuccess();
}

// Static int8 quantisation, calibrated on the demo images in our ONNX Runtime: ONNX Runtime
// runs nearly every convolution in its int8 kernels, the detector finds and the pipeline reads
// what fp32 does, and saved ranges give the same network again.
TEST_F(Cli, PackageQuantisesADetectorToInt8ThatReadsAsFp32Does) {
  const fs::path assets = fs::path(OCRSERVE_SOURCE_DIR) / "third_party/ocr-models/assets";
  const std::string onnx = (assets / "ch_PP-OCRv4_det_infer.onnx").string();
  const std::vector<std::string> det = {kBinary, "package", "--preset", "ppocr-det", "--onnx", onnx, "--quantize", "int8"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = det;
    args.insert(args.end(), extra.begin(), extra.end());
    return run_process(args);
  };
  const auto made = with({"--calibrate", (kData / "demo").string(), "--save-ranges", (dir_ / "ranges.json").string(),
                          "-o", (dir_ / "det8").string()});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  EXPECT_NE(made.out.find("calibrating on 4 images"), std::string::npos) << made.out;
  EXPECT_NE(made.err.find("skipped"), std::string::npos) << made.err;  // demo/broken.jpg
  std::smatch share;
  ASSERT_TRUE(std::regex_search(made.out, share, std::regex("runs (\\d+) of the network's (\\d+) convolutions")))
      << made.out;
  // All 88: the upsampling head's ConvTransposes became Convs (ONNX Runtime has no int8 ConvTranspose).
  EXPECT_EQ(std::stoi(share[2]), 88);
  EXPECT_EQ(std::stoi(share[1]), 88);
  EXPECT_GT(nlohmann::json::parse(test::slurp_text(dir_ / "ranges.json")).size(), 100u);

  const std::string image = (kData / "demo/demo_text_ocr.jpg").string();
  const auto fp32 = infer({image});
  const auto int8 = infer({"-m", (dir_ / "det8").string(), "-r", "ppocr-rec", image});
  ASSERT_EQ(int8.exit_code, 0) << int8.err;
  EXPECT_TRUE(reads_demo_ocr(fp32.out));
  EXPECT_TRUE(reads_demo_ocr(int8.out));

  const auto again = with({"--ranges", (dir_ / "ranges.json").string(), "-o", (dir_ / "again").string()});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(test::slurp_text(dir_ / "again/end2end.onnx"), test::slurp_text(dir_ / "det8/end2end.onnx"));

  const auto nothing = with({"-o", (dir_ / "none").string()});
  EXPECT_EQ(nothing.exit_code, 3);
  EXPECT_NE(nothing.err.find("--calibrate IMAGES"), std::string::npos) << nothing.err;
  const auto no_images = with({"--calibrate", write("notes.txt", "no pictures here").parent_path().string(), "-o",
                               (dir_ / "none").string()});
  EXPECT_EQ(no_images.exit_code, 4) << no_images.err;  // not found, as for `infer`
  EXPECT_NE(no_images.err.find("no image or PDF files in this folder"), std::string::npos) << no_images.err;
  const auto wrong = with({"--ranges", write("other.json", R"({"x": [-1, 1]})").string(), "-o", (dir_ / "none").string()});
  EXPECT_EQ(wrong.exit_code, 3);
  EXPECT_NE(wrong.err.find("no calibrated range for"), std::string::npos) << wrong.err;
  EXPECT_FALSE(fs::exists(dir_ / "none" / "deploy.json"));
}

// The int8 packages setup makes, chosen by --precision or by name, read the demo pictures as fp32 does.
TEST_F(Cli, Int8DefaultPackagesReadTheDemoImagesAsFp32Does) {
  const std::string image = (kData / "demo/demo_text_ocr.jpg").string();
  const auto fp32 = infer({image});
  const auto int8 = infer({"--precision", "int8", image});
  ASSERT_EQ(int8.exit_code, 0) << int8.err;
  EXPECT_TRUE(reads_demo_ocr(fp32.out));
  EXPECT_TRUE(reads_demo_ocr(int8.out));
  const auto named = infer({"-m", "ppocr-det-int8", "-r", "ppocr-rec-int8", image});
  EXPECT_EQ(named.out, int8.out);
  const auto word = infer({"-m", "ppocr-rec-int8", (kData / "demo/demo_text_recog.jpg").string()});
  EXPECT_EQ(nlohmann::json::parse(word.out)["text"], "STAR");
  const auto unknown = infer({"--precision", "int4", image});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.err.find("int4"), std::string::npos) << unknown.err;
}

// Line accuracy of the default pipeline on the Chinese plates, measured when it was chosen:
// 0.974 (75 of 77 characters). Saved results of any system are scored the same way.
TEST_F(Cli, EvalReadsDevSetsTranscriptionListsAndSavedResults) {
  const fs::path zh = kData / ".." / "dev" / "zh";
  const auto run = run_process({kBinary, "eval", "--task", "e2e", "--dataset", zh.string(), "--json", (dir_ / "run.json").string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto measured = nlohmann::json::parse(test::slurp_text(dir_ / "run.json"));
  EXPECT_EQ(measured["images"], 11);
  EXPECT_EQ(measured["lines"], 11);
  EXPECT_GE(measured["line_accuracy"].get<double>(), 0.95);
  EXPECT_NE(run.out.find("line_accuracy"), std::string::npos);

  std::vector<std::string> args = {kBinary, "infer", "--json", (dir_ / "zh.json").string()};
  for (const auto& entry : fs::directory_iterator(zh / "images")) args.push_back(entry.path().string());
  ASSERT_EQ(run_process(args).exit_code, 0);
  const auto saved = run_process({kBinary, "eval", "--task", "e2e", "--dataset", zh.string(), "--predictions",
                                  (dir_ / "zh.json").string(), "--json", (dir_ / "saved.json").string()});
  ASSERT_EQ(saved.exit_code, 0) << saved.err;
  const auto scored = nlohmann::json::parse(test::slurp_text(dir_ / "saved.json"));
  EXPECT_DOUBLE_EQ(scored["line_accuracy"].get<double>(), measured["line_accuracy"].get<double>());
  EXPECT_EQ(scored["matched"], measured["matched"]);

  // Nothing read for an image counts as nothing read: an empty list scores 0.
  const auto empty = run_process({kBinary, "eval", "--task", "e2e", "--dataset", zh.string(), "--predictions",
                                  write("none.json", "[]").string(), "--json", (dir_ / "none.json.out").string()});
  ASSERT_EQ(empty.exit_code, 0) << empty.err;
  EXPECT_DOUBLE_EQ(nlohmann::json::parse(test::slurp_text(dir_ / "none.json.out"))["line_accuracy"].get<double>(), 0.0);
  const auto broken = run_process({kBinary, "eval", "--task", "e2e", "--dataset", zh.string(), "--predictions",
                                   write("broken.json", "{\"image\": 1}").string()});
  EXPECT_EQ(broken.exit_code, 3);
  EXPECT_NE(broken.err.find("broken.json"), std::string::npos) << broken.err;
  EXPECT_EQ(run_process({kBinary, "eval", "--task", "det", "--dataset", zh.string(), "--predictions",
                         (dir_ / "zh.json").string()}).exit_code, 3);

  // A transcription list (image<TAB>line…): line accuracy only, no detection figures.
  const auto list = run_process({kBinary, "eval", "--task", "e2e", "--dataset", (kData / "demo" / "labels.tsv").string(),
                                 "--json", (dir_ / "list.json").string()});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  const auto lines = nlohmann::json::parse(test::slurp_text(dir_ / "list.json"));
  EXPECT_EQ(lines["lines"], 17);
  EXPECT_FALSE(lines.contains("hmean"));
  EXPECT_GE(lines["line_accuracy"].get<double>(), 0.9);
}

TEST_F(Cli, DetectionSettingsOnTheCommandLine) {
  const std::string scene = (kData / "det_toy" / "img_1.jpg").string();
  const auto strict = infer({"--det-box-thresh", "1", scene});
  ASSERT_EQ(strict.exit_code, 0) << strict.err;
  EXPECT_EQ(nlohmann::json::parse(strict.out), nlohmann::json::array());  // no region is that sure
  const auto found = infer({"--model", (kModels / "ppocr-det").string(), "--det-limit-side", "640", scene});
  ASSERT_EQ(found.exit_code, 0) << found.err;
  EXPECT_FALSE(nlohmann::json::parse(found.out)["boundary_result"].empty());
  EXPECT_EQ(infer({"--det-limit-side", "8", scene}).exit_code, 2);   // below the range: a usage error
  EXPECT_EQ(infer({"--det-thresh", "1.5", scene}).exit_code, 2);
  const auto not_db = infer({"--model", (kModels / "ppocr-rec").string(), "--det-thresh", "0.2",
                             (kData / "demo" / "demo_text_recog.jpg").string()});
  EXPECT_EQ(not_db.exit_code, 3);
  EXPECT_NE(not_db.err.find("detection model"), std::string::npos) << not_db.err;
  EXPECT_EQ(infer({"--no-cls", scene}).exit_code, 0);  // the old spelling of the default
  EXPECT_EQ(infer({"--no-cls", "--use-angle-cls", scene}).exit_code, 2);
}

// Figures recorded when `ocrserve eval` was written (PP-OCRv4 packages, shared data): a change in
// decoding, matching or the packages moves them.
TEST_F(Cli, EvalMatchesTheRecordedFigures) {
  const auto det = run_process({kBinary, "eval", "--task", "det", "--model", (kModels / "ppocr-det").string(), "--dataset",
                                (kData / "det_toy").string(), "--json", (dir_ / "det.json").string()});
  ASSERT_EQ(det.exit_code, 0) << det.err;
  const auto det_json = nlohmann::json::parse(test::slurp_text(dir_ / "det.json"));
  EXPECT_EQ(det_json["truth"], 21);
  EXPECT_EQ(det_json["matched"], 16);
  EXPECT_EQ(det_json["detected"], 36);
  EXPECT_NEAR(det_json["hmean"].get<double>(), 32.0 / 57, 1e-4);
  EXPECT_NE(det.out.find("hmean"), std::string::npos);
  // The MMOCR JSON annotations of the same images give the same figures.
  const auto det_mmocr = run_process({kBinary, "eval", "--task", "det", "--model", (kModels / "ppocr-det").string(), "--dataset",
                                      (kData / "det_toy/textdet_test.json").string(), "--json", (dir_ / "det2.json").string()});
  ASSERT_EQ(det_mmocr.exit_code, 0) << det_mmocr.err;
  EXPECT_EQ(nlohmann::json::parse(test::slurp_text(dir_ / "det2.json"))["matched"], 16);

  const auto rec = run_process({kBinary, "eval", "--task", "rec", "--model", (kModels / "ppocr-rec").string(), "--dataset",
                                (kData / "rec_toy/labels.json").string(), "--json", (dir_ / "rec.json").string()});
  ASSERT_EQ(rec.exit_code, 0) << rec.err;
  const auto rec_json = nlohmann::json::parse(test::slurp_text(dir_ / "rec.json"));
  EXPECT_NEAR(rec_json["word_accuracy"].get<double>(), 0.4, 1e-9);
  EXPECT_NEAR(rec_json["word_accuracy_ignore_case_symbol"].get<double>(), 0.5, 1e-9);
  EXPECT_EQ(rec_json["edits"], 22);
  EXPECT_EQ(rec_json["characters"], 64);

  const auto e2e = run_process({kBinary, "eval", "--task", "e2e", "--model", (kModels / "ppocr-det").string(), "--rec",
                                (kModels / "ppocr-rec").string(), "--cls", (kModels / "ppocr-cls").string(), "--dataset",
                                (kData / "det_toy").string(), "--json", (dir_ / "e2e.json").string()});
  ASSERT_EQ(e2e.exit_code, 0) << e2e.err;
  EXPECT_EQ(nlohmann::json::parse(test::slurp_text(dir_ / "e2e.json"))["matched"], 6);

  const auto missing = run_process({kBinary, "eval", "--task", "rec", "--model", (kModels / "ppocr-rec").string(), "--dataset",
                                    (dir_ / "nothing.tsv").string()});
  EXPECT_EQ(missing.exit_code, 4);
  EXPECT_NE(missing.err.find("nothing.tsv"), std::string::npos);
  const auto no_rec = run_process({kBinary, "eval", "--task", "e2e", "--model", (kModels / "ppocr-det").string(), "--dataset",
                                   (kData / "det_toy").string()});
  EXPECT_EQ(no_rec.exit_code, 3);
  EXPECT_NE(no_rec.err.find("--rec"), std::string::npos);
}

TEST_F(Cli, BenchReportsStagesAndThroughput) {
  const auto r = run_process({kBinary, "bench", "--model", (kModels / "ppocr-rec").string(), (kData / "rec_toy").string(),
                              "--warmup", "0", "-n", "1", "--json", (dir_ / "bench.json").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto record = nlohmann::json::parse(test::slurp_text(dir_ / "bench.json"));
  EXPECT_EQ(record["pipeline"], "recognition");
  EXPECT_EQ(record["images"], 10);
  EXPECT_GT(record["images_per_second"].get<double>(), 0);
  for (const char* stage : {"decode_ms", "preprocess_ms", "inference_ms", "postprocess_ms", "total_ms"}) {
    EXPECT_LE(record[stage]["min"].get<double>(), record[stage]["median"].get<double>()) << stage;
    EXPECT_LE(record[stage]["median"].get<double>(), record[stage]["p90"].get<double>()) << stage;
  }
  EXPECT_NE(r.out.find("inference"), std::string::npos);
  // OCR streams its passes through overlapped stages, or runs the stages in turn.
  for (const bool overlap : {true, false}) {
    std::vector<std::string> args = {kBinary, "bench", "-t", "2", (kData / "demo/demo_text_det.jpg").string(),
                                     (kData / "demo/demo_text_recog.jpg").string(), "--warmup", "0", "-n", "2",
                                     "--json", (dir_ / "ocr.json").string()};
    if (!overlap) args.push_back("--no-overlap");
    const auto ocr = run_process(args);
    ASSERT_EQ(ocr.exit_code, 0) << ocr.err;
    const auto ocr_record = nlohmann::json::parse(test::slurp_text(dir_ / "ocr.json"));
    EXPECT_EQ(ocr_record["pipeline"], "ocr");
    EXPECT_EQ(ocr_record["overlap"], overlap);
    EXPECT_GT(ocr_record["crops_per_second"].get<double>(), 0);
    EXPECT_NE(ocr.out.find(overlap ? "overlapped stages" : "stages in turn"), std::string::npos) << ocr.out;
    for (const char* stage : {"inference_ms", "total_ms"}) {
      EXPECT_GT(ocr_record[stage]["min"].get<double>(), 0) << stage;
      EXPECT_LE(ocr_record[stage]["median"].get<double>(), ocr_record[stage]["p90"].get<double>()) << stage;
    }
  }
  const auto nobody = run_process({kBinary, "bench", "--url", "http://127.0.0.1:1/predictions/rec", "--requests", "3",
                                   (kData / "rec_toy").string()});
  EXPECT_EQ(nobody.exit_code, 4);
  EXPECT_NE(nobody.err.find("every request failed"), std::string::npos) << nobody.err;
}

// `ocrserve convert` end to end on the small CRNN: the package it writes runs, --show draws
// both pictures, a TorchScript package is written and runs with the TorchScript module.
TEST_F(Cli, ConvertWritesARunnablePackage) {
  const std::string image = (kData / "demo" / "demo_text_recog.jpg").string();
  const fs::path work = dir_ / "crnn";
  const auto r = run_process({kBinary, "convert", "text-recognition_onnxruntime_dynamic", "crnn_mini-vgg_5e_mj",
                              "random:3", image, "--work-dir", work.string(), "--dump-info", "--show"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto summary = nlohmann::json::parse(r.out);
  // 206 x 182 → width 37 → MMOCR's RescaleToHeight rounds to the nearest multiple of 16: 32.
  EXPECT_EQ(summary["input_shape"], nlohmann::json::parse("[1, 1, 32, 32]"));
  EXPECT_EQ(summary["output_shape"][2], 37);
  for (const char* file : {"end2end.onnx", "deploy.json", "pipeline.json", "detail.json", "dict_file.txt",
                           "output_pytorch.jpg", "output_onnxruntime.jpg"}) {
    EXPECT_TRUE(fs::exists(work / file)) << file;
  }
  const auto pipeline = nlohmann::json::parse(test::slurp_text(work / "pipeline.json"));
  EXPECT_EQ(pipeline["pipeline"]["tasks"][2]["component"], "CTCConvertor");
  const auto run = infer({"--model", work.string(), image});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(nlohmann::json::parse(run.out).contains("text")) << run.out;

  // An -int8 deploy config: exported in fp32, then quantised and calibrated here (on IMG alone by
  // default); standard output stays the JSON summary.
  const fs::path int8 = dir_ / "crnn-int8";
  const std::vector<std::string> convert_int8 = {kBinary, "convert", "text-recognition_onnxruntime-int8_dynamic",
                                                 "crnn_mini-vgg_5e_mj", "random:3", image, "--work-dir", int8.string()};
  auto with = [](std::vector<std::string> args, const std::vector<std::string>& extra) {
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  const auto quantised = run_process(with(convert_int8, {"--dump-info", "--float-layers", "0"}));
  ASSERT_EQ(quantised.exit_code, 0) << quantised.err;
  EXPECT_EQ(nlohmann::json::parse(quantised.out)["deploy_config"], "text-recognition_onnxruntime-int8_dynamic");
  EXPECT_NE(quantised.err.find("calibrating on 1 text line\n"), std::string::npos) << quantised.err;
  EXPECT_NE(quantised.err.find("runs 8 of the network's 9 convolutions"), std::string::npos) << quantised.err;
  EXPECT_EQ(nlohmann::json::parse(test::slurp_text(int8 / "deploy.json"))["models"][0]["precision"], "INT8");
  const auto int8_run = infer({"--model", int8.string(), image});
  ASSERT_EQ(int8_run.exit_code, 0) << int8_run.err;
  EXPECT_TRUE(nlohmann::json::parse(int8_run.out).contains("text")) << int8_run.out;
  const auto no_info = run_process(convert_int8);
  EXPECT_EQ(no_info.exit_code, 3);
  EXPECT_NE(no_info.err.find("needs --dump-info"), std::string::npos) << no_info.err;
  const auto traced_int8 = run_process({kBinary, "convert", "text-recognition_torchscript-int8", "crnn_mini-vgg_5e_mj",
                                        "random:3", image, "--work-dir", (dir_ / "x").string(), "--dump-info"});
  EXPECT_EQ(traced_int8.exit_code, 3);
  EXPECT_NE(traced_int8.err.find("int8 with onnxruntime"), std::string::npos) << traced_int8.err;

  const fs::path traced = dir_ / "crnn-ts";
  const auto ts = run_process({kBinary, "convert", "text-recognition_torchscript", "crnn_mini-vgg_5e_mj", "random:3",
                               image, "--work-dir", traced.string(), "--dump-info"});
  ASSERT_EQ(ts.exit_code, 0) << ts.err;
  EXPECT_TRUE(fs::exists(traced / "end2end.pt"));
  EXPECT_EQ(nlohmann::json::parse(test::slurp_text(traced / "deploy.json"))["models"][0]["backend"], "torchscript");
  // It runs where the TorchScript backend module was built (libtorch found), reading what the
  // ONNX package of the same weights reads; elsewhere it is refused, naming what is missing.
  const auto traced_run = infer({"--model", traced.string(), image});
  if (fs::exists(fs::path(kBinary).parent_path() / "libocrserve_torchscript.so")) {
    ASSERT_EQ(traced_run.exit_code, 0) << traced_run.err;
    EXPECT_EQ(nlohmann::json::parse(traced_run.out)["text"], nlohmann::json::parse(run.out)["text"]);
  } else {
    EXPECT_EQ(traced_run.exit_code, 5) << traced_run.err;
    EXPECT_NE(traced_run.err.find("libtorch"), std::string::npos) << traced_run.err;
  }
}

TEST_F(Cli, ConvertRefusesWhatItCannotDo) {
  const std::string image = (kData / "demo" / "demo_text_recog.jpg").string();
  const auto convert = [&](const std::string& deploy, const std::string& model, const std::string& checkpoint,
                           const std::string& img) {
    return run_process({kBinary, "convert", deploy, model, checkpoint, img, "--work-dir", (dir_ / "out").string()});
  };
  EXPECT_EQ(run_process({kBinary, "convert"}).exit_code, 2);

  const auto list = run_process({kBinary, "convert", "--list"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  for (const char* name : {"dbnet_resnet18_fpnc_1200e_icdar2015", "dbnet_resnet50_1200e_icdar2015",
                           "psenet_resnet50_fpnf_600e_icdar2015", "panet_resnet18_fpem-ffm_600e_icdar2015",
                           "crnn_mini-vgg_5e_mj", "sar_resnet31_parallel-decoder_5e_st-sub_mj-sub_sa_real",
                           "satrn_shallow_5e_st_mj", "satrn_shallow-small_5e_st_mj"}) {
    EXPECT_NE(list.out.find(name), std::string::npos) << name;
  }

  const std::string rec = "text-recognition_onnxruntime_dynamic", crnn = "crnn_mini-vgg_5e_mj";
  const std::vector<std::tuple<std::vector<std::string>, int, std::string>> cases = {
      {{rec, "crnn_resnet_mj", "random", image}, 3, "unknown model config"},
      {{"text-recognition_tensorrt_dynamic", crnn, "random", image}, 3, "backend \"tensorrt\" is not supported"},
      {{"text-recognition_onnxruntime-fp16_dynamic", crnn, "random", image}, 3, "precision \"fp16\""},
      {{"text-detection_onnxruntime_dynamic", crnn, "random", image}, 3, "is a text-recognition model"},
      {{rec, crnn, (dir_ / "missing.pth").string(), image}, 3, "no such checkpoint file"},
      {{rec, crnn, write("junk.pth", "not a checkpoint").string(), image}, 3, "not a PyTorch checkpoint"},
      {{rec, crnn, "random", (dir_ / "missing.jpg").string()}, 3, "no such image file"},
  };
  for (const auto& [args, code, message] : cases) {
    const auto r = convert(args[0], args[1], args[2], args[3]);
    EXPECT_EQ(r.exit_code, code) << args[0] << " " << args[1] << ": " << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("Traceback"), std::string::npos) << r.err;
  }

  // A checkpoint of another network: the keys that do not match are listed.
  const fs::path other = dir_ / "other.pth";
  const auto saved = run_process({"/usr/bin/python3", "-c",
                                  "import torch, sys; torch.save({'state_dict': {'backbone.conv0.weight': "
                                  "torch.zeros(1), 'head.fc.bias': torch.zeros(2)}}, sys.argv[1])",
                                  other.string()});
  ASSERT_EQ(saved.exit_code, 0) << saved.err;
  const auto mismatch = convert(rec, crnn, other.string(), image);
  EXPECT_EQ(mismatch.exit_code, 3);
  for (const char* part : {"does not match", "missing keys", "unexpected keys (2): backbone.conv0.weight, head.fc.bias"}) {
    EXPECT_NE(mismatch.err.find(part), std::string::npos) << part << "\n" << mismatch.err;
  }

  const auto no_torch = run_process({"/usr/bin/env", "OCRSERVE_PYTHON=/nonexistent/python3", kBinary, "convert", rec,
                                     crnn, "random", image});
  EXPECT_EQ(no_torch.exit_code, 4);
  EXPECT_NE(no_torch.err.find("python3-torch"), std::string::npos) << no_torch.err;
}

// --- `infer` inputs and outputs ---

const fs::path kRecogImage = kData / "demo/demo_text_recog.jpg";  // "STAR", 206x182
const fs::path kDetImage = kData / "demo/demo_text_det.jpg";      // a plaque: "Octavia Hill", …, 460x276

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t at; (at = text.find(separator, start)) != std::string::npos; start = at + 1) {
    parts.push_back(text.substr(start, at - start));
  }
  parts.push_back(text.substr(start));
  return parts;
}

bool has_line(const std::string& text, const std::string& line) {
  const auto lines = lines_of(text);
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

class Infer : public Cli {
 protected:
  fs::path copy(const fs::path& from, const std::string& to) {
    fs::create_directories((dir_ / to).parent_path());
    fs::copy_file(from, dir_ / to, fs::copy_options::overwrite_existing);
    return dir_ / to;
  }
  fs::path png(const fs::path& from, const std::string& to) {
    fs::create_directories((dir_ / to).parent_path());
    cv::imwrite((dir_ / to).string(), cv::imread(from.string()));
    return dir_ / to;
  }
  fs::path pdf(const std::vector<fs::path>& pages, const std::string& to) {
    std::vector<cv::Mat> images;
    for (const auto& page : pages) images.push_back(cv::imread(page.string()));
    return write(to, test::make_pdf(images));
  }
  // A shell command line, run in the test's folder.
  test::ProcessResult shell(const std::string& command) {
    return run_process({"/bin/sh", "-c", "cd '" + dir_.string() + "' && " + command});
  }
  const std::string rec_ = (kModels / "ppocr-rec").string();
};

TEST_F(Infer, FoldersAreReadRecursivelyInPathOrderAndOtherFilesLeftOut) {
  png(kRecogImage, "scans/a.png");
  copy(kRecogImage, "scans/b/star.jpg");
  copy(kRecogImage, "scans/c/d/STAR.JPG");
  write("scans/notes.txt", "not an image");
  write("scans/.hidden.jpg", "junk");
  const auto r = infer({"--model", rec_, (dir_ / "scans").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");  // no progress bar when stderr is not a terminal
  const auto json = nlohmann::json::parse(r.out);
  ASSERT_EQ(json.size(), 3u) << r.out;
  EXPECT_EQ(json[0]["image"], (dir_ / "scans/a.png").string());
  EXPECT_EQ(json[1]["image"], (dir_ / "scans/b/star.jpg").string());
  EXPECT_EQ(json[2]["image"], (dir_ / "scans/c/d/STAR.JPG").string());
  for (const auto& entry : json) EXPECT_EQ(entry["result"]["text"], "STAR") << entry;

  // A GIF among them is refused with the reason (exit 5); the others are still read.
  write("scans/anim.gif", std::string("GIF89a\x10\0\x10\0\0\0\0;", 13));
  const auto gif = infer({"--model", rec_, (dir_ / "scans").string()});
  EXPECT_EQ(gif.exit_code, 5);
  EXPECT_NE(gif.err.find("anim.gif: GIF images cannot be read"), std::string::npos) << gif.err;
  EXPECT_EQ(nlohmann::json::parse(gif.out).size(), 4u);

  const auto empty = infer({"--model", rec_, (fs::create_directories(dir_ / "empty"), dir_ / "empty").string()});
  EXPECT_EQ(empty.exit_code, 4);
  EXPECT_NE(empty.err.find("empty: no image or PDF files in this folder"), std::string::npos) << empty.err;
}

TEST_F(Infer, QuotedPatternsAreExpanded) {
  png(kRecogImage, "scans/a.png");
  copy(kRecogImage, "scans/b/star.jpg");
  copy(kRecogImage, "scans/b/star2.jpg");
  copy(kRecogImage, "other/star.jpg");
  const auto r = shell(kBinary + " infer --model " + rec_ + " --format jsonl 'scans/*/star?.jpg' 'scans/[ab]*'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> images;
  for (const auto& line : lines_of(r.out)) {
    const auto entry = nlohmann::json::parse(line);
    EXPECT_EQ(entry["result"]["text"], "STAR");
    images.push_back(entry["image"]);
  }
  // The second pattern matches a.png and the folder b, which is read whole.
  EXPECT_EQ(images, (std::vector<std::string>{"scans/b/star2.jpg", "scans/a.png", "scans/b/star.jpg", "scans/b/star2.jpg"}));
  const auto none = shell(kBinary + " infer --model " + rec_ + " 'scans/*.gif'");
  EXPECT_EQ(none.exit_code, 4);
  EXPECT_NE(none.err.find("scans/*.gif: no file matches this pattern"), std::string::npos) << none.err;
}

TEST_F(Infer, StandardInputIsReadWhole) {
  copy(kRecogImage, "star.jpg");
  const auto r = shell(kBinary + " infer --model " + rec_ + " - < star.jpg");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["text"], "STAR");
  EXPECT_EQ(lines_of(r.out).size(), 1u) << r.out;
  const auto text = shell(kBinary + " infer --model " + rec_ + " --format text - < star.jpg");
  EXPECT_EQ(text.out, "STAR\n");
  const auto junk = shell("echo hello | " + kBinary + " infer --model " + rec_ + " -");
  EXPECT_EQ(junk.exit_code, 3);
  EXPECT_NE(junk.err.find("stdin: not an image"), std::string::npos) << junk.err;
  const auto twice = shell(kBinary + " infer --model " + rec_ + " - - < star.jpg");
  EXPECT_EQ(twice.exit_code, 2);
  EXPECT_NE(twice.err.find("standard input"), std::string::npos) << twice.err;
}

// A two-page PDF: the text of each page, the JSON of each page, from a file and from stdin.
TEST_F(Infer, PdfPagesAreReadInTurn) {
  const auto document = pdf({kDetImage, kRecogImage}, "letter.pdf");
  const auto r = infer({"--format", "text", document.string(), "--json", (dir_ / "letter.json").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto pages = split(r.out, '\f');
  ASSERT_EQ(pages.size(), 2u) << r.out;
  EXPECT_TRUE(has_line(pages[0], "Octavia Hill")) << pages[0];
  EXPECT_EQ(pages[1], "STAR\n");
  const auto json = nlohmann::json::parse(test::slurp_text(dir_ / "letter.json"));
  ASSERT_EQ(json.size(), 2u);
  for (int page = 1; page <= 2; ++page) {
    EXPECT_EQ(json[page - 1]["image"], document.string());
    EXPECT_EQ(json[page - 1]["page"], page);
  }
  EXPECT_EQ(json[1]["result"][0]["text"], "STAR");
  // Rendered at 200 dpi, the page is the image again: the line is where it is in the image.
  const auto image = infer({kRecogImage.string()});
  ASSERT_EQ(image.exit_code, 0) << image.err;
  const auto expected = nlohmann::json::parse(image.out)[0]["polygon"], polygon = json[1]["result"][0]["polygon"];
  ASSERT_EQ(polygon.size(), expected.size());
  for (size_t i = 0; i < polygon.size(); ++i) EXPECT_NEAR(polygon[i].get<double>(), expected[i].get<double>(), 3) << polygon;

  // At --pdf-dpi 100, half the pixels a side (hOCR says so in each page's title).
  const auto half = infer({"--model", rec_, "--format", "hocr", "--pdf-dpi", "100", document.string()});
  ASSERT_EQ(half.exit_code, 0) << half.err;
  EXPECT_NE(half.out.find("bbox 0 0 230 138; ppageno 0; scan_res 100 100'"), std::string::npos) << half.out;
  EXPECT_NE(half.out.find("bbox 0 0 103 91; ppageno 1; scan_res 100 100'"), std::string::npos) << half.out;

  const auto piped = shell(kBinary + " infer --format text - < letter.pdf");
  ASSERT_EQ(piped.exit_code, 0) << piped.err;
  EXPECT_EQ(piped.out, r.out);

  write("locked.pdf", test::make_pdf({cv::imread(kRecogImage.string())}, {200, true}));
  const auto locked = infer({"--model", rec_, (dir_ / "locked.pdf").string(), "--json", (dir_ / "locked.json").string()});
  EXPECT_EQ(locked.exit_code, 3);
  EXPECT_NE(locked.err.find("locked.pdf: PDF is encrypted with a password"), std::string::npos) << locked.err;
  EXPECT_EQ(nlohmann::json::parse(test::slurp_text(dir_ / "locked.json"))["error"]["type"], "bad_input");
  const auto junk = infer({"--model", rec_, write("junk.pdf", "%PDF-1.7\nnothing").string()});
  EXPECT_EQ(junk.exit_code, 3);
  EXPECT_NE(junk.err.find("junk.pdf: corrupt or truncated PDF"), std::string::npos) << junk.err;
}

TEST_F(Infer, MultiPageTiffPagesAreNumbered) {
  const auto tiff = dir_ / "pages.tiff";
  ASSERT_TRUE(cv::imwrite(tiff.string(), std::vector<cv::Mat>{cv::imread(kRecogImage.string()), cv::imread(kRecogImage.string())}));
  const auto r = infer({"--model", rec_, "--format", "jsonl", tiff.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 2u) << r.out;
  for (int page = 1; page <= 2; ++page) {
    const auto entry = nlohmann::json::parse(lines[page - 1]);
    EXPECT_EQ(entry["image"], tiff.string());
    EXPECT_EQ(entry["page"], page);
    EXPECT_EQ(entry["result"]["text"], "STAR");
  }
}

TEST_F(Infer, JsonIsRoundedOneLinePerResult) {
  const auto r = infer({kDetImage.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto json = nlohmann::json::parse(r.out);
  ASSERT_GE(json.size(), 5u);
  EXPECT_EQ(lines_of(r.out).size(), json.size() + 2) << r.out;  // "[", one line per text line, "]"
  for (const auto& item : json) {
    for (const auto& value : item["polygon"]) {
      EXPECT_NEAR(value.get<double>() * 1000, std::round(value.get<double>() * 1000), 1e-6) << value;
    }
    EXPECT_NEAR(item["score"].get<double>() * 1e5, std::round(item["score"].get<double>() * 1e5), 1e-6);
  }
  const auto line = std::find_if(json.begin(), json.end(), [](const auto& item) { return item["text"] == "Octavia Hill"; });
  ASSERT_NE(line, json.end()) << r.out;
}

TEST_F(Infer, TextTsvAndHocrFormats) {
  const std::string image = kDetImage.string();
  const auto text = infer({"--format", "text", image});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_TRUE(has_line(text.out, "Octavia Hill")) << text.out;
  EXPECT_EQ(text.out.find('\f'), std::string::npos);

  const auto tsv = infer({"--format", "tsv", image});
  ASSERT_EQ(tsv.exit_code, 0) << tsv.err;
  const auto rows = lines_of(tsv.out);
  ASSERT_GE(rows.size(), 6u);
  EXPECT_EQ(rows[0], "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext");
  EXPECT_EQ(rows[1], "1\t1\t0\t0\t0\t0\t0\t0\t460\t276\t-1\t");
  std::vector<std::vector<std::string>> words;
  for (const auto& row : rows) {
    const auto fields = split(row, '\t');
    ASSERT_EQ(fields.size(), 12u) << row;
    if (fields[0] == "5") words.push_back(fields);
  }
  const auto octavia = std::find_if(words.begin(), words.end(), [](const auto& w) { return w[11] == "Octavia"; });
  ASSERT_NE(octavia, words.end()) << tsv.out;
  ASSERT_NE(octavia + 1, words.end());
  const auto& hill = *(octavia + 1);
  EXPECT_EQ(hill[11], "Hill");
  EXPECT_EQ(hill[4], (*octavia)[4]);  // the same line
  EXPECT_EQ(std::stoi(hill[5]), std::stoi((*octavia)[5]) + 1);
  const int left = std::stoi((*octavia)[6]), top = std::stoi((*octavia)[7]);
  // The plaque's "Octavia Hill" is at x 164-295, y 78-99.
  EXPECT_NEAR(left, 164, 6);
  EXPECT_NEAR(top, 78, 6);
  EXPECT_LT(left + std::stoi((*octavia)[8]), std::stoi(hill[6]) + 2);
  EXPECT_NEAR(std::stoi(hill[6]) + std::stoi(hill[8]), 295, 6);
  EXPECT_GT(std::stod((*octavia)[10]), 90);

  const auto hocr = infer({"--format", "hocr", image, "--output-dir", (dir_ / "out").string()});
  ASSERT_EQ(hocr.exit_code, 0) << hocr.err;
  EXPECT_EQ(hocr.out, "");
  // Python's XML parser reads it; its words, in order, and the page's box.
  const auto parsed = run_process({"/usr/bin/python3", "-c", R"(
import sys, xml.etree.ElementTree as ET
from html.parser import HTMLParser
text = open(sys.argv[1], encoding='utf-8').read()
HTMLParser().feed(text)
root = ET.fromstring(text)
ns = {'h': 'http://www.w3.org/1999/xhtml'}
print(root.find('h:head/h:meta[@name="ocr-system"]', ns).get('content'))
page = root.find('.//h:div[@class="ocr_page"]', ns)
print(page.get('title'))
for word in root.iterfind('.//h:span[@class="ocrx_word"]', ns):
    print(word.text + ' ' + word.get('title'))
)", (dir_ / "out" / "demo_text_det.hocr").string()});
  ASSERT_EQ(parsed.exit_code, 0) << parsed.err;
  const auto printed = lines_of(parsed.out);
  ASSERT_GE(printed.size(), 4u);
  EXPECT_EQ(printed[0].rfind("ocrserve ", 0), 0u) << printed[0];
  EXPECT_EQ(printed[1], "image \"" + image + "\"; bbox 0 0 460 276; ppageno 0");
  const auto word = std::find_if(printed.begin(), printed.end(), [](const auto& l) { return l.rfind("Octavia bbox ", 0) == 0; });
  ASSERT_NE(word, printed.end()) << parsed.out;
  EXPECT_TRUE(std::regex_match(*word, std::regex(R"(Octavia bbox 1[56]\d [78]\d \d+ \d+; x_wconf (9\d|100))"))) << *word;
  EXPECT_EQ((word + 1)->rfind("Hill bbox ", 0), 0u) << *(word + 1);
}

TEST_F(Infer, NonTextPipelinesAndTextFormats) {
  const auto det = infer({"--model", (kModels / "ppocr-det").string(), "--format", "text", kDetImage.string()});
  EXPECT_EQ(det.exit_code, 2);
  EXPECT_NE(det.err.find("--format text needs recognised text, and a detection package gives none"), std::string::npos)
      << det.err;
  EXPECT_TRUE(det.out.empty());
  // A recognition package reads the image as one line: its box is the whole image.
  const auto tsv = infer({"--model", rec_, "--format", "tsv", kRecogImage.string()});
  ASSERT_EQ(tsv.exit_code, 0) << tsv.err;
  const auto rows = lines_of(tsv.out);
  ASSERT_EQ(rows.size(), 6u) << tsv.out;
  EXPECT_EQ(rows[4], "4\t1\t1\t1\t1\t0\t0\t0\t206\t182\t-1\t");
  EXPECT_EQ(split(rows[5], '\t')[11], "STAR");
}

TEST_F(Infer, OutputDirWritesOneFilePerInputAndNeverOverwrites) {
  const auto first = copy(kRecogImage, "x/pic.jpg");
  const auto second = png(kDetImage, "y/pic.png");
  const auto r = infer({"--model", rec_, "--format", "text", "--output-dir", (dir_ / "out").string(), first.string(),
                        second.string(), first.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(test::slurp_text(dir_ / "out/pic.txt"), "STAR\n");
  EXPECT_NE(test::slurp_text(dir_ / "out/pic-2.txt"), "STAR\n");
  EXPECT_EQ(test::slurp_text(dir_ / "out/pic-3.txt"), "STAR\n");

  // A folder's files keep their place below it; a PDF's pages go in one file.
  copy(kRecogImage, "scans/sub/a.jpg");
  copy(kRecogImage, "scans/b.jpg");
  pdf({kRecogImage, kRecogImage}, "scans/doc.pdf");
  write("scans/broken.jpg", "not a picture");
  const auto folder = infer({"--model", rec_, "--output-dir", (dir_ / "json").string(), (dir_ / "scans").string()});
  EXPECT_EQ(folder.exit_code, 3);
  EXPECT_EQ(nlohmann::json::parse(test::slurp_text(dir_ / "json/sub/a.json"))["text"], "STAR");
  EXPECT_EQ(nlohmann::json::parse(test::slurp_text(dir_ / "json/b.json"))["text"], "STAR");
  const auto doc = nlohmann::json::parse(test::slurp_text(dir_ / "json/doc.json"));
  ASSERT_EQ(doc.size(), 2u);
  EXPECT_EQ(doc[1]["page"], 2);
  EXPECT_EQ(doc[1]["result"]["text"], "STAR");
  EXPECT_EQ(nlohmann::json::parse(test::slurp_text(dir_ / "json/broken.json"))["error"]["type"], "bad_input");
}

TEST_F(Infer, PicturesOfSameNamedInputsAreAllKept) {
  const auto first = copy(kRecogImage, "x/pic.jpg");
  const auto second = copy(kDetImage, "y/pic.jpg");
  const auto document = pdf({kRecogImage, kDetImage}, "pic.pdf");
  const auto r = infer({"--model", rec_, "--show", (dir_ / "pictures").string(), first.string(), second.string(),
                        document.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // draw_recognition: the image over a banner, at least 240 wide.
  EXPECT_EQ(cv::imread((dir_ / "pictures/pic.png").string()).cols, 240);
  EXPECT_EQ(cv::imread((dir_ / "pictures/pic-2.png").string()).cols, 460);
  EXPECT_EQ(cv::imread((dir_ / "pictures/pic-3-page1.png").string()).cols, 240);
  EXPECT_EQ(cv::imread((dir_ / "pictures/pic-3-page2.png").string()).cols, 460);
}

TEST_F(Infer, FailedImageIsAnErrorObjectInTheJsonFile) {
  const auto r = infer({"--model", rec_, (kData / "demo/broken.jpg").string(), "--json", (dir_ / "out.json").string()});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_TRUE(r.out.empty()) << r.out;
  const auto json = nlohmann::json::parse(test::slurp_text(dir_ / "out.json"));
  EXPECT_EQ(json["image"], (kData / "demo/broken.jpg").string());
  EXPECT_EQ(json["error"]["type"], "bad_input");
  EXPECT_NE(json["error"]["message"].get<std::string>().find("broken.jpg"), std::string::npos);
}

// Overlapped stages read every page as the stages in turn do, in the same order, with a broken
// image in the middle and a PDF's pages after it: the same output and exit code either way.
TEST_F(Infer, OverlappedStagesGiveTheSameOutput) {
  copy(kDetImage, "in/1.jpg");
  copy(kData / "demo/broken.jpg", "in/2.jpg");
  copy(kData / "det_toy/img_1.jpg", "in/3.jpg");
  pdf({kDetImage, kRecogImage}, "in/4.pdf");
  copy(kData / "demo/demo_text_ocr.jpg", "in/5.jpg");
  const std::string in = (dir_ / "in").string();
  for (const std::string format : {"json", "text"}) {
    const auto on = infer({"-t", "2", "--format", format, in});
    const auto off = infer({"-t", "2", "--no-overlap", "--format", format, in});
    EXPECT_EQ(on.exit_code, 3) << on.err;
    EXPECT_EQ(off.exit_code, 3) << off.err;
    EXPECT_EQ(on.out, off.out) << format;
    EXPECT_NE(on.err.find("2.jpg"), std::string::npos) << on.err;
    if (format != "json") continue;
    const auto json = nlohmann::json::parse(on.out);
    ASSERT_EQ(json.size(), 6u) << on.out;
    EXPECT_EQ(json[1]["image"], (dir_ / "in/2.jpg").string());
    EXPECT_EQ(json[1]["error"]["type"], "bad_input");
    EXPECT_EQ(json[3]["page"], 1);
    EXPECT_EQ(json[4]["page"], 2);
    EXPECT_EQ(json[4]["result"][0]["text"], "STAR");
    EXPECT_EQ(json[5]["image"], (dir_ / "in/5.jpg").string());
    for (size_t i : {0u, 2u, 3u, 5u}) EXPECT_FALSE(json[i]["result"].empty()) << i;
  }
}

// On a terminal, several images draw a progress bar on stderr (count, rate, time left).
TEST_F(Infer, ProgressBarOnlyOnATerminal) {
  copy(kRecogImage, "a.jpg");
  copy(kRecogImage, "b.jpg");
  // script(1) gives the command a terminal; its standard output goes to a file.
  const auto r = shell("script -qec \"" + kBinary + " infer --model " + rec_ + " a.jpg b.jpg > out.json\" /dev/null");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\r\033[K2/2 images"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("images/s"), std::string::npos) << r.out;
  EXPECT_EQ(nlohmann::json::parse(test::slurp_text(dir_ / "out.json")).size(), 2u);
}

// Every `$ …` example of docs/cli.md's infer section runs, in a folder holding the files the
// examples name, and prints the lines shown there, in order ("…" stands for lines left out, or
// ends a line shown only in part).
TEST_F(Infer, DocsExamplesRunAsShown) {
  copy(kDetImage, "photo.jpg");
  copy(kRecogImage, "star.jpg");
  pdf({kDetImage, kRecogImage}, "letter.pdf");
  copy(kDetImage, "scans/a/page.jpg");
  copy(kRecogImage, "scans/b/page.jpg");
  write("scans/notes.txt", "not an image");
  fs::create_directory_symlink(kModels, dir_ / "models");
  const std::string docs = test::slurp_text(fs::path(OCRSERVE_SOURCE_DIR) / "docs/cli.md");
  const size_t start = docs.find("## `ocrserve infer`"), end = docs.find("## `ocrserve package`");
  ASSERT_LT(start, end);
  struct Example {
    std::string command;
    std::vector<std::string> shown;
  };
  std::vector<Example> examples;
  bool console = false;
  for (const auto& line : lines_of(docs.substr(start, end - start))) {
    if (line.rfind("```", 0) == 0) {
      console = line == "```console";
    } else if (console && line.rfind("$ ", 0) == 0) {
      examples.push_back({line.substr(2), {}});
    } else if (console && !examples.empty()) {
      examples.back().shown.push_back(line);
    }
  }
  ASSERT_GE(examples.size(), 7u);
  const std::string ellipsis = "\u2026";
  for (const auto& example : examples) {
    const auto r = shell("PATH='" + fs::path(kBinary).parent_path().string() + "':$PATH; " + example.command);
    ASSERT_EQ(r.exit_code, 0) << example.command << "\n" << r.err;
    const auto printed = lines_of(r.out);
    auto at = printed.begin();
    for (const auto& shown : example.shown) {
      if (shown == ellipsis) continue;
      const bool part = shown.size() >= ellipsis.size() && shown.compare(shown.size() - ellipsis.size(), ellipsis.size(), ellipsis) == 0;
      const std::string wanted = part ? shown.substr(0, shown.size() - ellipsis.size()) : shown;
      at = std::find_if(at, printed.end(), [&](const std::string& line) {
        return part ? line.rfind(wanted, 0) == 0 : line == wanted;
      });
      ASSERT_NE(at, printed.end()) << example.command << ": no line " << (part ? "starting with " : "") << "\"" << wanted
                                   << "\" (in order) in:\n" << r.out;
      ++at;
    }
  }
}

}  // namespace
}  // namespace ocrserve
