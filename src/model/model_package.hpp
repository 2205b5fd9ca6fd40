#pragma once
// The mmdeploy SDK model directory: deploy.json (what to run), pipeline.json (how to pre- and
// postprocess), detail.json (how it was converted) and the backend network file.
#include <filesystem>
#include <string>

#include "core/json_file.hpp"

namespace ocrserve {

struct ModelPackage {
  std::filesystem::path dir;
  std::string name;                  // deploy.json models[0].name
  std::string task;                  // deploy.json "task": TextDetector, TextRecognizer, …
  std::string backend;               // deploy.json models[0].backend
  std::filesystem::path network;     // dir / models[0].net
  std::string input_name;            // network input that receives the image ("" = the first)
  Json transforms;                   // the preprocessing task's transform list
  std::string transforms_where;      // names that list in error messages
  std::string codec;                 // the postprocessing task's component
  Json codec_params;
  std::string codec_where;
  Json deploy, pipeline, detail;     // the files as read

  // Reads and checks a package directory. Errors name the file and the field:
  // not_found for a missing directory or file, bad_input for malformed content.
  static ModelPackage load(const std::filesystem::path& dir);
};

}  // namespace ocrserve
