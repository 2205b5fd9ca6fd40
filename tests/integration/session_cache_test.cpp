// The cache of optimised graphs (backend/session_cache) with the real PP-OCRv4 networks: the
// first session saves an entry, later ones load it, and a cache that is damaged or unwritable
// costs time, never a wrong answer.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

#include "backend/backend.hpp"
#include "backend/session_cache.hpp"
#include "ocrserve/error.hpp"
#include "support/ground_truth.hpp"
#include "support/scratch_dir.hpp"

namespace ocrserve {
namespace {

namespace fs = std::filesystem;
using test::kModels;

const fs::path kRec = kModels / "ppocr-rec" / "end2end.onnx";
const fs::path kCls = kModels / "ppocr-cls" / "end2end.onnx";

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

std::unique_ptr<Backend> open(const fs::path& model, const fs::path& cache) {
  return make_backend("onnxruntime", model, BackendOptions{1, true, cache});
}

// A fixed 48x320 word image (a ramp), the recogniser's input shape.
std::vector<float> recognise(Backend& backend) {
  Tensor input;
  input.shape = {1, 3, 48, 320};
  input.data.resize(3 * 48 * 320);
  for (size_t i = 0; i < input.data.size(); ++i) input.data[i] = static_cast<float>(i % 320) / 160.0f - 1.0f;
  return backend.run({input}).front().data;
}

TEST(SessionCache, TheFirstSessionSavesAnEntryThatLaterSessionsLoad) {
  test::ScratchDir cache;
  const std::vector<float> uncached = recognise(*open(kRec, {}));
  const std::vector<float> saving = recognise(*open(kRec, cache.path()));
  const auto entries = files_in(cache.path());
  ASSERT_EQ(entries.size(), 1u);  // the entry, and no staging file left behind
  EXPECT_EQ(entries[0].extension(), ".ort");
  EXPECT_GT(fs::file_size(entries[0]), 1000000u);
  const auto written = fs::last_write_time(entries[0]);
  const std::vector<float> loaded = recognise(*open(kRec, cache.path()));
  EXPECT_EQ(files_in(cache.path()), entries);
  EXPECT_EQ(fs::last_write_time(entries[0]), written);  // read, not rewritten
  ASSERT_EQ(loaded.size(), uncached.size());
  for (size_t i = 0; i < uncached.size(); ++i) {
    ASSERT_NEAR(saving[i], uncached[i], 1e-5f) << i;
    ASSERT_NEAR(loaded[i], uncached[i], 1e-5f) << i;
  }
}

TEST(SessionCache, AnEntryIsWhatTheSessionRuns) {
  // Proof that the entry is used: put the classifier's graph under the recogniser's name.
  test::ScratchDir scratch;
  const fs::path rec_cache = scratch.path() / "rec", cls_cache = scratch.path() / "cls";
  open(kRec, rec_cache);
  open(kCls, cls_cache);
  fs::copy_file(files_in(cls_cache).front(), files_in(rec_cache).front(), fs::copy_options::overwrite_existing);
  EXPECT_EQ(open(kRec, rec_cache)->output_names(), open(kCls, {})->output_names());
  EXPECT_NE(open(kRec, {})->output_names(), open(kCls, {})->output_names());
}

TEST(SessionCache, EntriesDependOnTheModelBytes) {
  test::ScratchDir cache;
  EXPECT_NE(session_cache_entry(cache.path(), kRec, "runtime"), session_cache_entry(cache.path(), kCls, "runtime"));
  EXPECT_NE(session_cache_entry(cache.path(), kRec, "runtime 1"), session_cache_entry(cache.path(), kRec, "runtime 2"));
  // The same bytes at another path (a .mar extracted afresh) find the same entry.
  fs::copy_file(kRec, cache.path() / "copy.onnx");
  EXPECT_EQ(session_cache_entry(cache.path(), kRec, "runtime"),
            session_cache_entry(cache.path(), cache.path() / "copy.onnx", "runtime"));
  // A file replaced at the same path is hashed again, not remembered.
  fs::copy_file(kCls, cache.path() / "copy.onnx", fs::copy_options::overwrite_existing);
  EXPECT_EQ(session_cache_entry(cache.path(), kCls, "runtime"),
            session_cache_entry(cache.path(), cache.path() / "copy.onnx", "runtime"));
}

TEST(SessionCache, ADamagedEntryIsReplaced) {
  test::ScratchDir cache;
  const std::vector<float> expected = recognise(*open(kRec, cache.path()));
  const fs::path entry = files_in(cache.path()).front();
  const auto size = fs::file_size(entry);
  fs::resize_file(entry, size / 3);  // cut short, as by a full disk
  const std::vector<float> again = recognise(*open(kRec, cache.path()));
  // Written whole again (ONNX Runtime's serialised graph may differ by a few bytes between runs).
  EXPECT_GT(fs::file_size(entry), size * 9 / 10);
  ASSERT_EQ(again.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) ASSERT_NEAR(again[i], expected[i], 1e-5f) << i;
}

TEST(SessionCache, AnUnusableCacheDirectoryOnlyCostsTime) {
  test::ScratchDir scratch;
  scratch.write("file", "not a directory");
  const std::vector<float> expected = recognise(*open(kRec, {}));
  EXPECT_EQ(recognise(*open(kRec, scratch.path() / "file")), expected);
  EXPECT_EQ(recognise(*open(kRec, scratch.path() / "file" / "below")), expected);
  // A broken or empty model is still reported as one.
  for (const std::string bytes : {"not a model", ""}) {
    scratch.write("broken.onnx", bytes);
    try {
      open(scratch.path() / "broken.onnx", scratch.path() / "cache");
      FAIL() << "a broken model loaded";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::bad_input);
      EXPECT_NE(std::string(e.what()).find("not a loadable ONNX model"), std::string::npos) << e.what();
    }
  }
  EXPECT_TRUE(files_in(scratch.path() / "cache").empty());
}

TEST(SessionCache, TheDirectoryComesFromTheEnvironment) {
  ::setenv("OCRSERVE_CACHE_DIR", "/srv/cache", 1);
  EXPECT_EQ(default_session_cache_dir(), fs::path("/srv/cache"));
  ::setenv("OCRSERVE_CACHE_DIR", "off", 1);
  EXPECT_TRUE(default_session_cache_dir().empty());
  ::setenv("OCRSERVE_CACHE_DIR", "", 1);
  EXPECT_TRUE(default_session_cache_dir().empty());
  ::unsetenv("OCRSERVE_CACHE_DIR");
  ::setenv("XDG_CACHE_HOME", "/xdg", 1);
  EXPECT_EQ(default_session_cache_dir(), fs::path("/xdg/ocrserve"));
  ::unsetenv("XDG_CACHE_HOME");
  ::setenv("HOME", "/home/someone", 1);
  EXPECT_EQ(default_session_cache_dir(), fs::path("/home/someone/.cache/ocrserve"));
}

}  // namespace
}  // namespace ocrserve
