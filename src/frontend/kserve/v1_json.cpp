#include "frontend/kserve/v1_json.hpp"

#include "core/base64.hpp"
#include "frontend/results/result_json.hpp"
#include "ocrserve/error.hpp"

namespace ocrserve::kserve {
namespace {

std::string instance_image(const Json& instance, size_t index) {
  const std::string where = "instances[" + std::to_string(index) + "]";
  const Json* text = &instance;
  if (instance.is_object()) {
    const auto b64 = instance.find("b64");
    const auto data = b64 != instance.end() ? b64 : instance.find("data");
    if (data == instance.end()) {
      throw Error(ErrorKind::bad_input, where + ": expected \"<base64>\", {\"b64\": \"<base64>\"} or {\"data\": \"<base64>\"}");
    }
    text = &*data;
  }
  if (!text->is_string()) {
    throw Error(ErrorKind::bad_input, where + ": an image is a base64 string, not " + std::string(text->type_name()));
  }
  auto image = base64_decode(text->get_ref<const std::string&>());
  if (!image || image->empty()) throw Error(ErrorKind::bad_input, where + ": not base64 text");
  return std::move(*image);
}

}  // namespace

std::vector<std::string> v1_instances(const std::string& body) {
  const Json request = parse_json(body, "KServe v1 request");
  const Json* instances = nullptr;
  if (request.is_object()) {
    for (const char* key : {"instances", "inputs"}) {
      if (const auto found = request.find(key); found != request.end()) {
        instances = &*found;
        break;
      }
    }
  }
  if (!instances || !instances->is_array()) {
    throw Error(ErrorKind::bad_input, "expected {\"instances\": [<base64 image>, …]}");
  }
  if (instances->empty()) throw Error(ErrorKind::bad_input, "\"instances\" is empty: send one base64 image or more");
  std::vector<std::string> images;
  for (size_t i = 0; i < instances->size(); ++i) images.push_back(instance_image((*instances)[i], i));
  return images;
}

Json v1_predictions(const std::vector<PipelineResult>& results) {
  Json predictions = Json::array();
  for (const PipelineResult& result : results) predictions.push_back(result_json(result));
  return {{"predictions", std::move(predictions)}};
}

}  // namespace ocrserve::kserve
