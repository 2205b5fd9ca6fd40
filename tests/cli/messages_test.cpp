// What a newcomer reads when something is wrong: a mistyped command, a list whose first line is
// a header, packages that make another kind of result than the server's, a bad convert argument.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "support/process.hpp"
#include "support/scratch_dir.hpp"
#include "support/server_process.hpp"

namespace ocrserve {
namespace {

namespace fs = std::filesystem;
const fs::path kDemo = fs::path(OCRSERVE_DATA_DIR) / "mmocr/demo";
const fs::path kModels = OCRSERVE_MODELS_DIR;

TEST(Messages, AMistypedCommandGetsTheClosestOneAndExitCode2) {
  const auto typo = test::run_process({OCRSERVE_BINARY, "infr", (kDemo / "demo_text_det.jpg").string()});
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.err.find("unknown command 'infr'; did you mean 'infer'?"), std::string::npos) << typo.err;
  const auto stop = test::run_process({OCRSERVE_BINARY, "stp"});
  EXPECT_NE(stop.err.find("did you mean 'stop'?"), std::string::npos) << stop.err;
  const auto far = test::run_process({OCRSERVE_BINARY, "translate"});
  EXPECT_EQ(far.exit_code, 2);
  EXPECT_EQ(far.err.find("did you mean"), std::string::npos) << far.err;
  EXPECT_NE(far.err.find("Commands: infer, package"), std::string::npos) << far.err;
  // Options before the command still go to CLI11.
  EXPECT_EQ(test::run_process({OCRSERVE_BINARY, "--version"}).exit_code, 0);
}

TEST(Messages, ATranscriptionListWithAHeaderLineSaysWhichLineAndWhy) {
  test::ScratchDir dir;
  fs::copy_file(kDemo / "demo_text_recog.jpg", dir.path() / "word.jpg");
  std::ofstream(dir.path() / "list.tsv") << "image\ttext\n";
  const auto header = test::run_process({OCRSERVE_BINARY, "eval", "--task", "e2e", "--dataset",
                                         (dir.path() / "list.tsv").string()});
  EXPECT_EQ(header.exit_code, 4) << header.err;
  EXPECT_NE(header.err.find("list.tsv: line 1: no image \"image\" in"), std::string::npos) << header.err;
  EXPECT_NE(header.err.find("a header line?"), std::string::npos) << header.err;
  // Comment lines are skipped; the rest is read.
  std::ofstream(dir.path() / "list.tsv") << "# image<TAB>text\nword.jpg\tSTAR\n";
  const auto commented = test::run_process({OCRSERVE_BINARY, "eval", "--task", "e2e", "--dataset",
                                            (dir.path() / "list.tsv").string()});
  EXPECT_EQ(commented.exit_code, 0) << commented.err;
  EXPECT_NE(commented.out.find("images                           1"), std::string::npos) << commented.out;
}

TEST(Messages, CompareSaysWhichPackagesMakeTheServersKindOfResult) {
  test::ScratchDir dir;
  test::ServerProcess server({}, {}, dir.path());
  ASSERT_TRUE(server.ready()) << server.log();
  const auto detector_only = test::run_process(
      {OCRSERVE_BINARY, "compare", (kDemo / "demo_text_det.jpg").string(), "--model-name", "ocr", "--model",
       (kModels / "ppocr-det").string(), "--inference-addr", "127.0.0.1:" + std::to_string(server.inference)});
  EXPECT_EQ(detector_only.exit_code, 3) << detector_only.err;
  EXPECT_NE(detector_only.err.find("answered with end-to-end OCR lines"), std::string::npos) << detector_only.err;
  EXPECT_NE(detector_only.err.find("give --rec"), std::string::npos) << detector_only.err;
}

TEST(Messages, ConvertRefusesABadArgumentBeforeLoadingPyTorch) {
  // A "torch" that cannot be imported first on the path: the arguments must be refused before it
  // is ever imported (PyTorch's import alone takes seconds).
  test::ScratchDir dir;
  fs::create_directories(dir.path() / "torch");
  std::ofstream(dir.path() / "torch/__init__.py") << "raise ImportError('torch was imported')\n";
  const char* old_path = std::getenv("PYTHONPATH");
  const std::string saved = old_path ? old_path : "";
  setenv("PYTHONPATH", dir.path().c_str(), 1);
  const auto missing = test::run_process({OCRSERVE_BINARY, "convert", "text-detection_onnxruntime_dynamic",
                                          "dbnet_resnet18_fpnc_1200e_icdar2015", "missing.pth",
                                          (kDemo / "demo_text_det.jpg").string()});
  EXPECT_EQ(missing.exit_code, 3) << missing.err;
  EXPECT_NE(missing.err.find("missing.pth: no such checkpoint file"), std::string::npos) << missing.err;
  const auto no_image = test::run_process({OCRSERVE_BINARY, "convert", "text-detection_onnxruntime_dynamic",
                                           "dbnet_resnet18_fpnc_1200e_icdar2015", "random", "nothing.jpg"});
  EXPECT_EQ(no_image.exit_code, 3) << no_image.err;
  EXPECT_NE(no_image.err.find("nothing.jpg: no such image file"), std::string::npos) << no_image.err;
  // Good arguments reach the import, and a missing PyTorch is explained with what to install.
  const auto good = test::run_process({OCRSERVE_BINARY, "convert", "text-detection_onnxruntime_dynamic",
                                       "dbnet_resnet18_fpnc_1200e_icdar2015", "random",
                                       (kDemo / "demo_text_det.jpg").string(), "--work-dir", dir.path().string()});
  EXPECT_EQ(good.exit_code, 4) << good.err;
  EXPECT_NE(good.err.find("torch was imported"), std::string::npos) << good.err;
  EXPECT_NE(good.err.find("apt-get install python3-torch"), std::string::npos) << good.err;
  if (old_path) setenv("PYTHONPATH", saved.c_str(), 1); else unsetenv("PYTHONPATH");
}

// Plain `start` serves the default end-to-end model even when the models folder cannot hold its
// "ocr" folder (read-only, or the name taken): it is assembled under $TMPDIR instead.
TEST(Messages, StartServesTheDefaultOcrModelWhenTheModelsFolderCannotHoldIt) {
  test::ScratchDir dir;
  const fs::path models = dir.path() / "models";
  fs::create_directories(models);
  for (const char* package : {"ppocr-det", "ppocr-rec", "ppocr-cls"}) fs::create_directory_symlink(kModels / package, models / package);
  std::ofstream(models / "ocr") << "a file where the ocr folder would go\n";
  setenv("OCRSERVE_MODELS", models.c_str(), 1);
  test::ServerProcess server({}, {}, dir.path());
  unsetenv("OCRSERVE_MODELS");
  ASSERT_TRUE(server.ready()) << server.log();
  const auto reply = test::run_process({"/usr/bin/curl", "-s", "-T", (kDemo / "demo_text_det.jpg").string(),
                                        "http://127.0.0.1:" + std::to_string(server.inference) + "/predictions/ocr"});
  EXPECT_NE(reply.out.find("\"text\": \"Octavia Hill\""), std::string::npos) << reply.out << server.log();
}

// The error examples of docs/cli.md's "Exit codes" section print exactly what they show there.
TEST(Messages, TheErrorExamplesOfDocsCliMdAreVerbatim) {
  test::ScratchDir dir;
  fs::copy_file(kDemo / "broken.jpg", dir.path() / "broken.jpg");
  fs::copy_file(kDemo / "demo_text_det.jpg", dir.path() / "photo.jpg");
  fs::create_directory_symlink(kModels, dir.path() / "models");
  // my-pkg: the default detector with an unknown second transform.
  fs::copy(kModels / "ppocr-det", dir.path() / "my-pkg");
  std::string pipeline = test::slurp(dir.path() / "my-pkg/pipeline.json");
  const size_t margin = pipeline.find("\"Margin\"");
  ASSERT_NE(margin, std::string::npos);
  pipeline.replace(margin, 8, "\"Sharpen\"");
  std::ofstream(dir.path() / "my-pkg/pipeline.json") << pipeline;

  const std::string docs = test::slurp(fs::path(OCRSERVE_SOURCE_DIR) / "docs/cli.md");
  const std::string section = docs.substr(docs.find("## Exit codes"), docs.find("## Environment") - docs.find("## Exit codes"));
  std::istringstream lines(section);
  std::string line, command;
  std::vector<std::pair<std::string, std::string>> examples;  // command, the line it prints
  for (bool block = false; std::getline(lines, line);) {
    if (line.rfind("```", 0) == 0) {
      block = !block;
    } else if (block && line.rfind("$ ocrserve ", 0) == 0) {
      command = line.substr(2);
    } else if (block && !command.empty()) {
      examples.emplace_back(command, line);
      command.clear();
    }
  }
  ASSERT_EQ(examples.size(), 4u);
  for (const auto& [example, shown] : examples) {
    const auto r = test::run_process({"/bin/bash", "-c", "cd '" + dir.path().string() + "' && '" OCRSERVE_BINARY "' " +
                                                       example.substr(std::string("ocrserve ").size())});
    EXPECT_NE(r.exit_code, 0) << example;
    std::string printed = r.err.substr(0, r.err.find('\n'));
    if (shown.size() >= 3 && shown.compare(shown.size() - 3, 3, "\u2026") == 0) {
      // "…" ends a line shown only in part (its last bracket closes after the ellipsis).
      EXPECT_EQ(printed.substr(0, shown.size() - 3), shown.substr(0, shown.size() - 3)) << example;
    } else if (const size_t ellipsis = shown.find("\u2026"); ellipsis != std::string::npos) {
      EXPECT_EQ(printed.substr(0, ellipsis), shown.substr(0, ellipsis)) << example << "\n" << r.err;
    } else {
      EXPECT_EQ(printed, shown) << example;
    }
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << example << ": more than one line:\n" << r.err;
  }
}

}  // namespace
}  // namespace ocrserve
