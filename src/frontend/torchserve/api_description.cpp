// OpenAPI 3.0.1 descriptions answered by `OPTIONS /` on each port and `OPTIONS /predictions/{model}`.
#include "core/json_file.hpp"
#include "frontend/torchserve/server.hpp"

namespace ocrserve {
namespace {

Json operation(const std::string& id, const std::string& summary, const Json& parameters = Json::array()) {
  return {{"operationId", id}, {"summary", summary}, {"parameters", parameters},
          {"responses", {{"200", {{"description", "OK"}}}, {"400", {{"description", "Bad request"}}},
                         {"404", {{"description", "Model not found"}}}, {"503", {{"description", "No worker or queue full"}}}}}};
}

Json path_param(const std::string& name) { return {{"in", "path"}, {"name", name}, {"required", true}, {"schema", {{"type", "string"}}}}; }
Json query_param(const std::string& name, const std::string& type = "string") {
  return {{"in", "query"}, {"name", name}, {"required", false}, {"schema", {{"type", type}}}};
}

// An OpenAPI 3.0.1 document around `paths`.
std::string document(const std::string& title, const std::string& summary, const Json& paths) {
  const Json description = {{"openapi", "3.0.1"},
                            {"info", {{"title", "ocrserve " + title}, {"version", "0.1.0"}, {"description", summary}}},
                            {"paths", paths}};
  return description.dump(2) + "\n";
}

}  // namespace

std::string api_description(const std::string& which) {
  Json paths = Json::object();
  if (which == "metrics") {
    paths["/"] = {{"options", operation("apiDescription", "Get openapi description.")}};
    paths["/metrics"] = {{"get", operation("metrics", "The server's metrics as Prometheus text; name[] keeps only the metrics named.",
                                           Json::array({query_param("name[]", "array")}))}};
  } else if (which == "inference") {
    paths["/"] = {{"options", operation("apiDescription", "Get openapi description.")}};
    paths["/ping"] = {{"get", operation("ping", "Get TorchServe status.")}};
    const Json predict = operation("predictions", "Predictions entry point for each model. Send an image as the body or as form field \"data\".",
                                   Json::array({path_param("model_name")}));
    paths["/predictions/{model_name}"] = {{"post", predict}, {"put", predict}};
    paths["/predictions/{model_name}/{model_version}"] = {{"post", predict}, {"put", predict}};
    paths["/v2/health/live"] = {{"get", operation("live", "Server liveness.")}};
    paths["/v2/health/ready"] = {{"get", operation("ready", "Server readiness: every start-up model has a ready worker.")}};
  } else {
    paths["/"] = {{"options", operation("apiDescription", "Get openapi description.")}};
    paths["/models"] = {{"get", operation("listModels", "List registered models.", {query_param("limit", "integer"), query_param("next_page_token")})},
                        {"post", operation("registerModel", "Register a new model.",
                                           {query_param("url"), query_param("model_name"), query_param("initial_workers", "integer"),
                                            query_param("batch_size", "integer"), query_param("max_batch_delay", "integer"),
                                            query_param("response_timeout", "integer"), query_param("synchronous", "boolean")})}};
    const Json scale = operation("setAutoScale", "Configure number of workers for a model.",
                                 {path_param("model_name"), query_param("min_worker", "integer"), query_param("max_worker", "integer"),
                                  query_param("synchronous", "boolean")});
    paths["/models/{model_name}"] = {{"get", operation("describeModel", "Provides detailed information about the default version of a model.")},
                                     {"put", scale},
                                     {"delete", operation("unregisterModel", "Unregister the default version of a model.")}};
    paths["/models/{model_name}/{model_version}"] = {{"get", operation("describeModelVersion", "Describe a version (or all).")},
                                                     {"put", scale},
                                                     {"delete", operation("unregisterModelVersion", "Unregister a version.")}};
    paths["/models/{model_name}/{model_version}/set-default"] = {{"put", operation("setDefault", "Set the default version of a model.")}};
  }
  return document(which + " API", "TorchServe-compatible " + which + " API of ocrserve", paths);
}

std::string model_api_description(const std::string& model) {
  // One model's predictions entry point (TorchServe: OPTIONS /predictions/{model}).
  Json predict = operation(model, "Runs model " + model + " on the image sent as the body or as form field \"data\".");
  Json paths = Json::object();
  paths["/predictions/" + model] = {{"post", predict}};
  return document("model " + model, "The inference API of model " + model, paths);
}

}  // namespace ocrserve
