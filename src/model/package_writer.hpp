#pragma once
// Writes an mmdeploy SDK model directory for a network file and its pre/postprocessing.
#include <filesystem>
#include <string>
#include <vector>

#include "core/json_file.hpp"

namespace ocrserve {

struct PackageSpec {
  std::string name;                  // models[0].name
  std::string task;                  // deploy.json task: TextDetector, TextRecognizer, TextAngleClassifier
  std::string codebase_task;         // detail.json codebase.task: TextDetection, TextRecognition, …
  Json transforms = Json::array();   // preprocessing
  std::string component;             // postprocessor type name
  Json params = Json::object();      // postprocessor parameters
  std::vector<std::filesystem::path> files;  // copied into the package (e.g. a dictionary)
  std::string source;                // where the network came from, for detail.json
};

// Built-in specs: "ppocr-det", "ppocr-rec", "ppocr-cls" (PaddleOCR PP-OCRv4 settings).
// Error(not_found) listing the presets for an unknown name.
PackageSpec preset_spec(const std::string& preset);
std::vector<std::string> preset_names();

struct NetworkInfo {
  std::vector<std::string> input_names;
  std::vector<std::string> output_names;
};

// Writes out_dir/{deploy,pipeline,detail}.json and copies the network to out_dir/end2end.onnx.
// Refuses to write into a non-empty directory unless `force`.
void write_package(const PackageSpec& spec, const std::filesystem::path& network, const NetworkInfo& info,
                   const std::filesystem::path& out_dir, bool force);

}  // namespace ocrserve
