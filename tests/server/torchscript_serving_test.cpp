// The TorchScript backend through the real binary: `ocrserve convert` writes a CRNN package for
// TorchScript and one for ONNX Runtime from the same random weights; infer, eval and bench run
// the TorchScript one and give what the ONNX Runtime twin gives; the server serves it and
// answers as infer does. Also: ocrserve and libocrserve.so do not link libtorch (the backend is
// a module loaded on demand), and without the module, or with a device it lacks, the error
// says what is missing. Built only where the module is (libtorch found).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "support/ground_truth.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"
#include "support/server_process.hpp"

namespace ocrserve {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::kData;

const fs::path kRecogImage = kData / "demo" / "demo_text_recog.jpg";

json parse(const std::string& text) { return json::parse(text, nullptr, /*allow_exceptions=*/false); }

const std::pair<const char*, const char*> kPackages[] = {{"crnn-ts", "text-recognition_torchscript"},
                                                         {"crnn-onnx", "text-recognition_onnxruntime_dynamic"}};

class TorchScriptServing : public ::testing::Test {
 protected:
  // The two packages: converted once per ctest run by the torchscript.packages fixture (into
  // OCRSERVE_TORCHSCRIPT_PACKAGES); run by hand without it, converted here.
  static void SetUpTestSuite() {
    scratch_ = fs::temp_directory_path() / ("ocrserve-torchscript-" + std::to_string(getpid()));
    fs::remove_all(scratch_);
    fs::create_directories(scratch_);
    packages_ = OCRSERVE_TORCHSCRIPT_PACKAGES;
    bool converted = true;
    for (const auto& [package, deploy] : kPackages) converted = converted && fs::exists(packages_ / package / "deploy.json");
    if (converted) return;
    packages_ = scratch_;
    for (const auto& [package, deploy] : kPackages) {
      const auto r = test::run_process({OCRSERVE_BINARY, "convert", deploy, "crnn_mini-vgg_5e_mj", "random:0",
                                        kRecogImage.string(), "--work-dir", (packages_ / package).string(), "--dump-info"});
      conversion_errors_ += r.exit_code == 0 ? "" : std::string(deploy) + ": " + r.err;
    }
  }
  static void TearDownTestSuite() { fs::remove_all(scratch_); }

  void SetUp() override { ASSERT_EQ(conversion_errors_, "") << "ocrserve convert failed"; }

  static fs::path package(const std::string& name) { return packages_ / name; }

  // `ocrserve ARGS…` that must succeed; its stdout.
  static std::string ocrserve(std::vector<std::string> args) {
    args.insert(args.begin(), OCRSERVE_BINARY);
    const auto r = test::run_process(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }

  static inline fs::path packages_;  // crnn-ts and crnn-onnx
  static inline fs::path scratch_;   // this process's own files
  static inline std::string conversion_errors_;
};

// The same recognition result: {"text", "score"}, scores within 1e-4.
void expect_same_text(const json& actual, const json& expected) {
  ASSERT_TRUE(actual.is_object() && expected.is_object()) << actual << " vs " << expected;
  EXPECT_EQ(actual.size(), expected.size()) << actual << " vs " << expected;
  EXPECT_EQ(actual["text"], expected["text"]);
  EXPECT_NEAR(actual["score"].get<double>(), expected["score"].get<double>(), 1e-4);
}

TEST_F(TorchScriptServing, PackageNamesTheBackendAndItsNetwork) {
  std::ifstream in(package("crnn-ts") / "deploy.json");
  const json deploy = json::parse(in);
  EXPECT_EQ(deploy["models"][0]["backend"], "torchscript");
  EXPECT_EQ(deploy["models"][0]["net"], "end2end.pt");
  EXPECT_TRUE(fs::is_regular_file(package("crnn-ts") / "end2end.pt"));
}

TEST_F(TorchScriptServing, InferReadsWhatOnnxRuntimeReads) {
  for (const fs::path& image : {kRecogImage, kData / "rec_toy" / "1036169.jpg", kData / "rec_toy" / "1058891.jpg"}) {
    const json torchscript = parse(ocrserve({"infer", "--model", package("crnn-ts").string(), image.string()}));
    const json onnx = parse(ocrserve({"infer", "--model", package("crnn-onnx").string(), image.string()}));
    SCOPED_TRACE(image.string());
    expect_same_text(torchscript, onnx);
  }
  // --device cpu is the default, said out loud; one thread or several read the same.
  const json explicit_cpu = parse(ocrserve({"infer", "--model", package("crnn-ts").string(), "--device", "cpu",
                                            "-t", "1", kRecogImage.string()}));
  expect_same_text(explicit_cpu, parse(ocrserve({"infer", "--model", package("crnn-onnx").string(), kRecogImage.string()})));
}

TEST_F(TorchScriptServing, EvalMeasuresWhatOnnxRuntimeMeasures) {
  const fs::path labels = kData / "rec_toy" / "labels.json";
  const fs::path ts_json = scratch_ / "eval-ts.json", onnx_json = scratch_ / "eval-onnx.json";
  ocrserve({"eval", "--task", "rec", "--model", package("crnn-ts").string(), "--dataset", labels.string(), "--json",
            ts_json.string()});
  ocrserve({"eval", "--task", "rec", "--model", package("crnn-onnx").string(), "--dataset", labels.string(), "--json",
            onnx_json.string()});
  const json torchscript = parse(test::slurp(ts_json)), onnx = parse(test::slurp(onnx_json));
  ASSERT_TRUE(torchscript.is_object()) << test::slurp(ts_json);
  EXPECT_EQ(torchscript["words"], 10);
  for (const char* metric : {"words", "word_accuracy", "word_accuracy_ignore_case_symbol", "cer", "edits", "characters"}) {
    EXPECT_EQ(torchscript[metric], onnx[metric]) << metric;
  }
}

TEST_F(TorchScriptServing, BenchRunsIt) {
  const fs::path report = scratch_ / "bench.json";
  ocrserve({"bench", (kData / "rec_toy").string(), "--model", package("crnn-ts").string(), "-n", "2", "--json",
            report.string()});
  const json bench = parse(test::slurp(report));
  ASSERT_TRUE(bench.is_object()) << test::slurp(report);
  EXPECT_EQ(bench["pipeline"], "recognition");
  EXPECT_EQ(bench["images"], 10);
  EXPECT_GT(bench["images_per_second"].get<double>(), 0.0);
  EXPECT_GT(bench["inference_ms"]["median"].get<double>(), 0.0);
}

TEST_F(TorchScriptServing, TheServerAnswersAsInferDoes) {
  const fs::path store = scratch_ / "store", work = scratch_ / "server";
  fs::create_directories(store);
  fs::create_directories(work);
  fs::copy(package("crnn-ts"), store / "crnn", fs::copy_options::recursive);
  test::ServerProcess server({"--model-store", store.string(), "--models", "all"}, {}, work);
  ASSERT_TRUE(server.ready()) << server.banner << server.log();
  const json expected = parse(ocrserve({"infer", "--model", package("crnn-ts").string(), kRecogImage.string()}));
  for (int i = 0; i < 2; ++i) {  // the worker's second run too
    const auto reply = test::http(server.inference, "POST", "/predictions/crnn", test::slurp_text(kRecogImage));
    ASSERT_EQ(reply.status, 200) << reply.body << server.log();
    expect_same_text(parse(reply.body), expected);  // infer rounds scores to 5 decimals, the server does not
  }
  const auto models = test::http(server.management, "GET", "/models/crnn");
  EXPECT_EQ(models.status, 200) << models.body;
  EXPECT_EQ(server.stop(), 0) << server.log();
}

TEST_F(TorchScriptServing, DevicesItLacksAreRefusedClearly) {
  // Debian's libtorch has no CUDA: "cuda" fails when the package loads, saying why. (With a CUDA
  // libtorch and a GPU, the package runs there and reads what it reads on the CPU.)
  const auto cuda = test::run_process({OCRSERVE_BINARY, "infer", "--model", package("crnn-ts").string(), "--device",
                                       "cuda:0", kRecogImage.string()});
  if (cuda.exit_code == 0) {
    expect_same_text(parse(cuda.out), parse(ocrserve({"infer", "--model", package("crnn-onnx").string(),
                                                      kRecogImage.string()})));
  } else {
    EXPECT_EQ(cuda.exit_code, 5) << cuda.err;  // unsupported
    EXPECT_NE(cuda.err.find("CUDA is not available"), std::string::npos) << cuda.err;
  }
  const auto bad = test::run_process({OCRSERVE_BINARY, "infer", "--model", package("crnn-ts").string(), "--device",
                                      "tpu", kRecogImage.string()});
  EXPECT_EQ(bad.exit_code, 5) << bad.err;
  EXPECT_NE(bad.err.find("\"cpu\" or \"cuda[:N]\""), std::string::npos) << bad.err;
  // ONNX Runtime's packages run on the CPU only, and say so.
  const auto onnx = test::run_process({OCRSERVE_BINARY, "infer", "--model", package("crnn-onnx").string(), "--device",
                                       "cuda", kRecogImage.string()});
  EXPECT_EQ(onnx.exit_code, 5) << onnx.err;
}

TEST_F(TorchScriptServing, WithoutTheModuleTheErrorSaysWhatIsMissing) {
  // A copy of the command in a folder without the module: an ocrserve built without libtorch.
  const fs::path alone = scratch_ / "alone";
  fs::create_directories(alone);
  std::error_code linked;
  fs::create_hard_link(OCRSERVE_BINARY, alone / "ocrserve", linked);
  if (linked) fs::copy_file(OCRSERVE_BINARY, alone / "ocrserve");
  const auto r = test::run_process({(alone / "ocrserve").string(), "infer", "--model", package("crnn-ts").string(),
                                    kRecogImage.string()});
  EXPECT_EQ(r.exit_code, 5) << r.err;  // unsupported
  EXPECT_NE(r.err.find("built without libtorch"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("libocrserve_torchscript.so"), std::string::npos) << r.err;
  // ONNX Runtime packages run as ever.
  const auto onnx = test::run_process({(alone / "ocrserve").string(), "infer", "--model", package("crnn-onnx").string(),
                                       kRecogImage.string()});
  EXPECT_EQ(onnx.exit_code, 0) << onnx.err;
}

// `readelf -d FILE`'s NEEDED libraries.
std::vector<std::string> needed(const std::string& file) {
  const auto r = test::run_process({"/usr/bin/readelf", "-d", file});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> libraries;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    const size_t open = line.find("(NEEDED)");
    if (open == std::string::npos) continue;
    const size_t begin = line.find('[', open), end = line.find(']', begin);
    libraries.push_back(line.substr(begin + 1, end - begin - 1));
  }
  return libraries;
}

bool is_libtorch(const std::string& library) {
  return library.rfind("libtorch", 0) == 0 || library.rfind("libc10", 0) == 0;
}

TEST(TorchScriptModule, OnlyTheModuleLinksLibtorch) {
  for (const std::string file : {OCRSERVE_BINARY, OCRSERVE_SHARED_LIBRARY}) {
    const auto libraries = needed(file);
    ASSERT_FALSE(libraries.empty()) << file;
    for (const auto& library : libraries) EXPECT_FALSE(is_libtorch(library)) << file << " needs " << library;
  }
  const auto module = needed(OCRSERVE_TORCHSCRIPT_MODULE);
  EXPECT_TRUE(std::any_of(module.begin(), module.end(), is_libtorch)) << OCRSERVE_TORCHSCRIPT_MODULE;
}

}  // namespace
}  // namespace ocrserve
