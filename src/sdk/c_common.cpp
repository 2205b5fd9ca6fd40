// ocrserve/c/common.h: model handles, the last error, the version.
#include <filesystem>
#include <string>

#include "ocrserve/error.hpp"
#include "ocrserve/version.hpp"
#include "sdk/c_support.hpp"

extern "C" {

int ocrserve_model_create_by_path(const char* path, ocrserve_model_t* model) {
  using namespace ocrserve;
  return c_api::guarded([&] {
    if (!path || !model) throw Error(ErrorKind::bad_input, "path or model is NULL");
    std::filesystem::path dir(path);
    if (!std::filesystem::exists(dir)) throw Error(ErrorKind::not_found, dir.string() + ": no such package folder");
    if (!std::filesystem::is_directory(dir)) {
      throw Error(ErrorKind::unsupported, dir.string() + ": not a folder; unpack the model package (an mmdeploy SDK "
                                                         "model directory) and give its folder");
    }
    *model = new ocrserve_model{std::move(dir)};
  });
}

void ocrserve_model_destroy(ocrserve_model_t model) { delete model; }

const char* ocrserve_last_error(void) { return ocrserve::c_api::last_error_message(); }

const char* ocrserve_version(void) { return OCRSERVE_VERSION_STRING; }

}  // extern "C"
