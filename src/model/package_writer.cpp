#include "model/package_writer.hpp"

#include <fstream>

#include "ocrserve/error.hpp"

namespace ocrserve {
namespace {

namespace fs = std::filesystem;

void copy_into(const fs::path& from, const fs::path& dir) {
  if (!fs::is_regular_file(from)) throw Error(ErrorKind::not_found, from.string() + ": file not found");
  std::error_code error;
  fs::copy_file(from, dir / from.filename(), fs::copy_options::overwrite_existing, error);
  if (error) throw Error(ErrorKind::bad_input, from.string() + ": cannot copy into " + dir.string() + ": " + error.message());
}

}  // namespace

void write_package(const PackageSpec& spec, const fs::path& network, const NetworkInfo& info,
                   const fs::path& out_dir, bool force) {
  if (fs::exists(out_dir) && !fs::is_directory(out_dir)) {
    throw Error(ErrorKind::bad_input, out_dir.string() + ": exists and is not a directory");
  }
  if (fs::exists(out_dir) && !fs::is_empty(out_dir) && !force) {
    throw Error(ErrorKind::bad_input, out_dir.string() + ": directory is not empty (use --force to overwrite)");
  }
  std::error_code error;
  fs::create_directories(out_dir, error);
  if (error) throw Error(ErrorKind::bad_input, out_dir.string() + ": cannot create: " + error.message());

  const std::string network_file = "end2end.onnx";
  std::error_code copy_error;
  fs::copy_file(network, out_dir / network_file, fs::copy_options::overwrite_existing, copy_error);
  if (copy_error) throw Error(ErrorKind::bad_input, network.string() + ": cannot copy: " + copy_error.message());
  for (const auto& file : spec.files) copy_into(file, out_dir);

  const std::string image_input = info.input_names.empty() ? "input" : info.input_names.front();
  write_json_file(out_dir / "deploy.json",
             {{"version", "1.0.0"},
              {"task", spec.task},
              {"models", Json::array({{{"name", spec.name},
                                       {"net", network_file},
                                       {"weights", ""},
                                       {"backend", "onnxruntime"},
                                       {"precision", "FP32"},
                                       {"batch_size", 1},
                                       {"dynamic_shape", true}}})},
              {"customs", Json::array()}});
  write_json_file(out_dir / "pipeline.json",
             {{"pipeline",
               {{"input", {"img"}},
                {"output", {"post_output"}},
                {"tasks", Json::array({{{"type", "Task"},
                                        {"module", "Transform"},
                                        {"name", "Preprocess"},
                                        {"input", {"img"}},
                                        {"output", {"prep_output"}},
                                        {"transforms", spec.transforms}},
                                       {{"type", "Task"},
                                        {"module", "Net"},
                                        {"name", spec.name},
                                        {"is_batched", spec.task != "TextDetector"},
                                        {"input", {"prep_output"}},
                                        {"output", {"infer_output"}},
                                        {"input_map", {{"img", image_input}}},
                                        {"output_map", Json::object()}},
                                       {{"type", "Task"},
                                        {"module", "mmocr"},
                                        {"name", "postprocess"},
                                        {"component", spec.component},
                                        {"params", spec.params},
                                        {"input", {"prep_output", "infer_output"}},
                                        {"output", {"post_output"}}}})}}}});
  write_json_file(out_dir / "detail.json",
             {{"version", "1.0.0"},
              {"codebase", {{"task", spec.codebase_task}, {"codebase", "mmocr"}, {"version", "1.0.0"}, {"pth", ""}, {"config", ""}}},
              {"codebase_config", {{"type", "mmocr"}, {"task", spec.codebase_task}}},
              {"onnx_config",
               {{"type", "onnx"},
                {"input_names", info.input_names},
                {"output_names", info.output_names},
                {"save_file", network_file}}},
              {"backend_config", {{"type", "onnxruntime"}}},
              {"source", spec.source},
              {"converted_by", "ocrserve package"}});
}

}  // namespace ocrserve
