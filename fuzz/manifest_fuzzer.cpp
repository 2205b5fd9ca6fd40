// MAR-INF/MANIFEST.json of an uploaded .mar: the input becomes the manifest of an otherwise
// well-formed archive, which extract_archive must read or refuse with ocrserve::Error.
// (archive_fuzzer mutates the zip structure itself; this one reaches the manifest checks.)
#include <zip.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

#include "check.hpp"
#include "model/archive.hpp"
#include "ocrserve/error.hpp"
#include "temp_files.hpp"

namespace {

// A stored (uncompressed) zip holding `manifest` as MAR-INF/MANIFEST.json and a package file.
void write_mar(const std::filesystem::path& file, const uint8_t* manifest, size_t size) {
  int code = 0;
  zip_t* archive = zip_open(file.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &code);
  if (!archive) throw std::runtime_error("zip_open failed");
  static const char kDeploy[] = "{\"task\": \"TextDetector\"}\n";
  const struct {
    const char* name;
    const void* data;
    size_t size;
  } entries[] = {{"MAR-INF/MANIFEST.json", manifest, size}, {"deploy.json", kDeploy, sizeof kDeploy - 1}};
  for (const auto& entry : entries) {
    zip_source_t* source = zip_source_buffer(archive, entry.data, entry.size, 0);
    const zip_int64_t index = source ? zip_file_add(archive, entry.name, source, 0) : -1;
    if (index < 0) {
      if (source) zip_source_free(source);
      zip_discard(archive);
      throw std::runtime_error("zip_file_add failed");
    }
    zip_set_file_compression(archive, static_cast<zip_uint64_t>(index), ZIP_CM_STORE, 0);
  }
  if (zip_close(archive) < 0) {
    zip_discard(archive);
    throw std::runtime_error("zip_close failed");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ocrserve::fuzz::TempDir dir;
  const auto mar = dir.path() / "fuzz.mar";
  const auto extracted = dir.path() / "extracted";
  write_mar(mar, data, size);
  try {
    const auto manifest = ocrserve::extract_archive(mar, extracted);
    FUZZ_CHECK(manifest.json.is_object(), "a manifest that was accepted is an object");
    FUZZ_CHECK(manifest.model_name == manifest.json["model"]["modelName"].get<std::string>(),
               "the model name is the manifest's");
    std::ifstream in(extracted / "MAR-INF/MANIFEST.json", std::ios::binary);
    const std::string copy((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    FUZZ_CHECK(copy == std::string(reinterpret_cast<const char*>(data), size), "the manifest is extracted intact");
  } catch (const ocrserve::Error&) {
  }
  return 0;
}
