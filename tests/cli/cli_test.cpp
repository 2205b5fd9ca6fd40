// The real `ocrserve` binary: help texts, results, and every input a user can get wrong.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <tuple>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "support/ground_truth.hpp"
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
  const auto nobody = run_process({kBinary, "bench", "--url", "http://127.0.0.1:1/predictions/rec", "--requests", "3",
                                   (kData / "rec_toy").string()});
  EXPECT_EQ(nobody.exit_code, 4);
  EXPECT_NE(nobody.err.find("every request failed"), std::string::npos) << nobody.err;
}

// `ocrserve convert` end to end on the small CRNN: the package it writes runs, --show draws
// both pictures, a TorchScript package is written but not run.
TEST_F(Cli, ConvertWritesARunnablePackage) {
  const std::string image = (kData / "demo" / "demo_text_recog.jpg").string();
  const fs::path work = dir_ / "crnn";
  const auto r = run_process({kBinary, "convert", "text-recognition_onnxruntime_dynamic", "crnn_mini-vgg_5e_mj",
                              "random:3", image, "--work-dir", work.string(), "--dump-info", "--show"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto summary = nlohmann::json::parse(r.out);
  EXPECT_EQ(summary["input_shape"], nlohmann::json::parse("[1, 1, 32, 48]"));
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

  const fs::path traced = dir_ / "crnn-ts";
  const auto ts = run_process({kBinary, "convert", "text-recognition_torchscript", "crnn_mini-vgg_5e_mj", "random:3",
                               image, "--work-dir", traced.string(), "--dump-info"});
  ASSERT_EQ(ts.exit_code, 0) << ts.err;
  EXPECT_TRUE(fs::exists(traced / "end2end.pt"));
  EXPECT_EQ(nlohmann::json::parse(test::slurp_text(traced / "deploy.json"))["models"][0]["backend"], "torchscript");
  const auto refused = infer({"--model", traced.string(), image});
  EXPECT_EQ(refused.exit_code, 5) << refused.err;
  EXPECT_NE(refused.err.find("torchscript"), std::string::npos) << refused.err;
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

}  // namespace
}  // namespace ocrserve
