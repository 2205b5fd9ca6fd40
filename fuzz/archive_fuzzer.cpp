// Uploaded .mar files (zip archives): the input is written as an archive and extracted into
// a fresh directory by extract_archive, which must refuse hostile archives (traversal, links,
// bombs, corruption) with ocrserve::Error and never write outside its destination.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>

#include "check.hpp"
#include "model/archive.hpp"
#include "ocrserve/error.hpp"
#include "temp_files.hpp"

namespace {

// Nothing under `root` but the archive, the destination's parent folders and what lies
// inside the destination.
bool only_inside(const std::filesystem::path& root, const std::filesystem::path& destination,
                 const std::filesystem::path& archive) {
  std::error_code error;
  for (auto it = std::filesystem::recursive_directory_iterator(root, error);
       !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
    const auto& path = it->path();
    if (path == archive) continue;
    const auto inside = path.lexically_relative(destination);
    const auto above = destination.lexically_relative(path);
    const bool in_destination = !inside.empty() && *inside.begin() != "..";
    const bool parent = !above.empty() && *above.begin() != "..";
    if (!in_destination && !parent) {
      std::fprintf(stderr, "written outside the destination: %s\n", path.c_str());
      return false;
    }
  }
  return !error;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ocrserve::fuzz::TempDir dir;
  const auto mar = dir.path() / "fuzz.mar";
  // Extracted one level down, so that an entry escaping the destination by one ".." would
  // still land in the private directory where the check below sees it.
  const auto extracted = dir.path() / "store" / "extracted";
  ocrserve::fuzz::write_file(mar, std::string_view(reinterpret_cast<const char*>(data), size));
  // The default limit lets an archive inflate gigabytes onto disk; 64 MiB keeps each input quick
  // and the run's disk use small while reaching the same checks.
  ocrserve::ArchiveLimits limits;
  limits.max_total_bytes = 64ULL << 20;
  try {
    const auto manifest = ocrserve::extract_archive(mar, extracted, limits);
    FUZZ_CHECK(std::filesystem::is_regular_file(extracted / "MAR-INF/MANIFEST.json"), "the manifest was extracted");
  } catch (const ocrserve::Error&) {
  }
  FUZZ_CHECK(only_inside(dir.path(), extracted, mar), "nothing is written outside the destination");
  return 0;
}
