#pragma once
// Where the default packages (ppocr-det, ppocr-rec, ppocr-cls) live.
#include <filesystem>

namespace ocrserve {

// $OCRSERVE_MODELS; else, walking up from the file holding this code (the ocrserve executable
// or libocrserve.so), the first folder with models/ or share/ocrserve/models (the build tree and
// an installed prefix); else ./models. Error(not_found) saying how to install them otherwise.
std::filesystem::path default_models_dir();

}  // namespace ocrserve
