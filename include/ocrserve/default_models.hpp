#pragma once
// Where the default packages (ppocr-det, ppocr-rec, ppocr-cls) live.
#include <filesystem>
#include <string>

namespace ocrserve {

// $OCRSERVE_MODELS; else, walking up from the file holding this code (the ocrserve executable
// or libocrserve.so), the first folder with models/ or share/ocrserve/models (the build tree and
// an installed prefix); else ./models. Error(not_found) saying how to install them otherwise.
std::filesystem::path default_models_dir();

// The precision of the default packages: setup makes each as fp32 (ppocr-det) and as int8
// (ppocr-det-int8: int8 weights and activations, about twice as fast on a CPU; docs/models.md).
enum class Precision { fp32, int8 };

// The default package `name` ("ppocr-det", "ppocr-rec" or "ppocr-cls") of that precision, in
// default_models_dir().
std::filesystem::path default_package(const std::string& name, Precision precision);

// A package named by its path, or by its name alone when that is no path here but a package of
// default_models_dir() ("ppocr-rec-int8").
std::filesystem::path package_path(const std::filesystem::path& path_or_name);

}  // namespace ocrserve
