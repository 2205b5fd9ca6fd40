// Model package JSON (deploy.json, pipeline.json, detail.json), which arrives from outside
// inside uploaded .mar archives: ModelPackage::load must refuse anything wrong with
// ocrserve::Error. The input holds the three files in that order separated by NUL bytes
// (JSON text never contains one); a file missing from the input is missing from the package.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>

#include "check.hpp"
#include "model/model_package.hpp"
#include "ocrserve/error.hpp"
#include "temp_files.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  ocrserve::fuzz::TempDir package;
  bool more = true;
  for (const char* file : {"deploy.json", "pipeline.json", "detail.json"}) {
    if (!more) break;
    const size_t nul = rest.find('\0');
    more = nul != std::string_view::npos;
    ocrserve::fuzz::write_file(package.path() / file, rest.substr(0, nul));
    if (more) rest.remove_prefix(nul + 1);
  }
  // The network the seed packages name; its content is the backend's business, not load's.
  ocrserve::fuzz::write_file(package.path() / "end2end.onnx", "");

  try {
    const auto loaded = ocrserve::ModelPackage::load(package.path());
    FUZZ_CHECK(std::filesystem::is_regular_file(loaded.network), "the network file exists");
    FUZZ_CHECK(loaded.codec_params.is_object(), "codec params are an object");
    FUZZ_CHECK(loaded.deploy.is_object() && loaded.pipeline.is_object(), "the files read are objects");
  } catch (const ocrserve::Error&) {
  }
  return 0;
}
