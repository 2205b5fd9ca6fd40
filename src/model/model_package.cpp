#include "model/model_package.hpp"

#include "core/package_path.hpp"
#include "ocrserve/error.hpp"

namespace ocrserve {
namespace {

// The pipeline's tasks are told apart by "module": "Transform" preprocesses, "Net" runs the
// network, and the codebase module ("mmocr") holds the postprocessing "component".
const Json* find_task(const Json& tasks, const char* module) {
  for (const auto& task : tasks) {
    if (task.is_object() && task.value("module", "") == module) return &task;
  }
  return nullptr;
}

const Json* find_postprocess_task(const Json& tasks) {
  for (const auto& task : tasks) {
    if (task.is_object() && task.contains("component")) return &task;
  }
  return nullptr;
}

std::string task_where(const std::string& file, const Json& tasks, const Json* task) {
  for (size_t i = 0; i < tasks.size(); ++i) {
    if (&tasks[i] == task) return file + ": pipeline.tasks[" + std::to_string(i) + "]";
  }
  return file;
}

// mmdeploy 1.x exports a detector's whole MMOCR head config as the params, the head's own
// postprocessor nested inside ({"postprocessor": {"type": "PSEPostprocessor", …}}), and its
// SDK then ignores that config and applies its own defaults. We run what the model was
// configured with instead — the nested postprocessor, as MMOCR would — so that results match
// PyTorch's; a package without one keeps the component and its SDK defaults.
void adopt_mmocr_postprocessor(ModelPackage& package) {
  const auto found = package.codec_params.find("postprocessor");
  if (found == package.codec_params.end() || !found->is_object() || !found->contains("type")) return;
  Json postprocessor = *found;
  if (!postprocessor["type"].is_string()) {
    throw Error(ErrorKind::bad_input, package.codec_where + ": field \"params.postprocessor.type\" must be a string");
  }
  package.codec = postprocessor["type"].get<std::string>();
  postprocessor.erase("type");
  package.codec_where += ".params.postprocessor";
  package.codec_params = std::move(postprocessor);
}

}  // namespace

ModelPackage ModelPackage::load(const std::filesystem::path& dir) {
  if (!std::filesystem::is_directory(dir)) {
    throw Error(ErrorKind::not_found, dir.string() + ": model package directory not found");
  }
  ModelPackage package;
  package.dir = dir;
  package.deploy = read_json_file(path_inside(dir, "deploy.json", dir.string()));
  package.pipeline = read_json_file(path_inside(dir, "pipeline.json", dir.string()));
  package.detail = read_json_file(path_inside(dir, "detail.json", dir.string()));

  const std::string deploy_file = (dir / "deploy.json").string();
  package.task = required_field<std::string>(package.deploy, "task", deploy_file);
  const Json models = required_field<Json>(package.deploy, "models", deploy_file);
  if (!models.is_array() || models.empty()) {
    throw Error(ErrorKind::bad_input, deploy_file + ": field \"models\" must be a non-empty list");
  }
  const std::string model_where = deploy_file + ": models[0]";
  package.name = optional_field<std::string>(models[0], "name", dir.filename().string(), model_where);
  package.backend = required_field<std::string>(models[0], "backend", model_where);
  const auto net = required_field<std::string>(models[0], "net", model_where);
  package.network = path_inside(dir, net, model_where + ": field \"net\"");
  if (!std::filesystem::is_regular_file(package.network)) {
    throw Error(ErrorKind::not_found, model_where + ": field \"net\" names " + package.network.string() +
                                          ", which does not exist");
  }

  const std::string pipeline_file = (dir / "pipeline.json").string();
  const Json body = required_field<Json>(package.pipeline, "pipeline", pipeline_file);
  const Json tasks = required_field<Json>(body, "tasks", pipeline_file + ": pipeline");
  if (!tasks.is_array()) throw Error(ErrorKind::bad_input, pipeline_file + ": pipeline.tasks must be a list");

  const Json* preprocess = find_task(tasks, "Transform");
  if (!preprocess) {
    throw Error(ErrorKind::bad_input, pipeline_file + ": pipeline.tasks has no task with \"module\": \"Transform\"");
  }
  const std::string preprocess_where = task_where(pipeline_file, tasks, preprocess);
  package.transforms = required_field<Json>(*preprocess, "transforms", preprocess_where);
  package.transforms_where = preprocess_where + ".transforms";

  if (const Json* net_task = find_task(tasks, "Net")) {
    const Json input_map = optional_field<Json>(*net_task, "input_map", Json::object(),
                                                task_where(pipeline_file, tasks, net_task));
    if (input_map.contains("img") && input_map["img"].is_string()) {
      package.input_name = input_map["img"].get<std::string>();
    }
  }

  const Json* postprocess = find_postprocess_task(tasks);
  if (!postprocess) {
    throw Error(ErrorKind::bad_input, pipeline_file + ": pipeline.tasks has no postprocessing task (one with \"component\")");
  }
  package.codec_where = task_where(pipeline_file, tasks, postprocess);
  package.codec = required_field<std::string>(*postprocess, "component", package.codec_where);
  package.codec_params = optional_field<Json>(*postprocess, "params", Json::object(), package.codec_where);
  if (!package.codec_params.is_object()) {
    throw Error(ErrorKind::bad_input, package.codec_where + ": field \"params\" must be an object");
  }
  adopt_mmocr_postprocessor(package);
  // mmdeploy writes a recogniser's ignore_chars beside params, not in it.
  if (postprocess->contains("ignore_chars") && !package.codec_params.contains("ignore_chars")) {
    package.codec_params["ignore_chars"] = (*postprocess)["ignore_chars"];
  }
  return package;
}

}  // namespace ocrserve
