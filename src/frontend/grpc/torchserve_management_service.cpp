// TorchServe's gRPC management API (management.proto). Each call is the REST management call
// it names, run by the same handler (management_api.cpp), so both APIs keep one behaviour:
// a status answer's text, or the JSON (DescribeModel, ListModels), becomes `msg`; an error
// becomes TorchServe's status code for its HTTP status (grpc_status.hpp).
#include "frontend/grpc/grpc_services.hpp"
#include "frontend/grpc/grpc_status.hpp"
#include "frontend/torchserve/api_error.hpp"
#include "management.grpc.pb.h"

namespace ocrserve {
namespace {

namespace tm = ::org::pytorch::serve::grpc::management;

class ManagementService final : public tm::ManagementAPIsService::CallbackService {
 public:
  explicit ManagementService(GrpcContext& context) : context_(context), rest_(management_api(context.server)) {}

  ::grpc::ServerUnaryReactor* DescribeModel(::grpc::CallbackServerContext* call, const tm::DescribeModelRequest* request,
                                            tm::ManagementResponse* response) override {
    return run(call, response, "GET", model_path(request->model_name(), request->model_version()), {});
  }

  ::grpc::ServerUnaryReactor* ListModels(::grpc::CallbackServerContext* call, const tm::ListModelsRequest* request,
                                         tm::ManagementResponse* response) override {
    Query query;
    if (request->limit() > 0) query.emplace("limit", std::to_string(request->limit()));
    if (request->next_page_token() > 0) query.emplace("next_page_token", std::to_string(request->next_page_token()));
    return run(call, response, "GET", "/models", std::move(query));
  }

  ::grpc::ServerUnaryReactor* RegisterModel(::grpc::CallbackServerContext* call, const tm::RegisterModelRequest* request,
                                            tm::ManagementResponse* response) override {
    // Zero and empty are proto3's "not given": the REST defaults apply.
    Query query;
    if (!request->url().empty()) query.emplace("url", request->url());
    if (!request->model_name().empty()) query.emplace("model_name", request->model_name());
    if (request->batch_size() > 0) query.emplace("batch_size", std::to_string(request->batch_size()));
    if (request->max_batch_delay() > 0) query.emplace("max_batch_delay", std::to_string(request->max_batch_delay()));
    if (request->response_timeout() > 0) query.emplace("response_timeout", std::to_string(request->response_timeout()));
    if (request->initial_workers() > 0) query.emplace("initial_workers", std::to_string(request->initial_workers()));
    query.emplace("synchronous", request->synchronous() ? "true" : "false");
    return run(call, response, "POST", "/models", std::move(query));
  }

  ::grpc::ServerUnaryReactor* ScaleWorker(::grpc::CallbackServerContext* call, const tm::ScaleWorkerRequest* request,
                                          tm::ManagementResponse* response) override {
    Query query;
    if (request->min_worker() > 0) query.emplace("min_worker", std::to_string(request->min_worker()));
    if (request->max_worker() > 0) query.emplace("max_worker", std::to_string(request->max_worker()));
    query.emplace("synchronous", request->synchronous() ? "true" : "false");
    return run(call, response, "PUT", model_path(request->model_name(), request->model_version()), std::move(query));
  }

  ::grpc::ServerUnaryReactor* SetDefault(::grpc::CallbackServerContext* call, const tm::SetDefaultRequest* request,
                                         tm::ManagementResponse* response) override {
    if (request->model_version().empty()) {
      return refuse(call, {::grpc::StatusCode::INVALID_ARGUMENT, "Parameter model_version is required."});
    }
    return run(call, response, "PUT", model_path(request->model_name(), request->model_version()) + "/set-default", {});
  }

  ::grpc::ServerUnaryReactor* UnregisterModel(::grpc::CallbackServerContext* call, const tm::UnregisterModelRequest* request,
                                              tm::ManagementResponse* response) override {
    return run(call, response, "DELETE", model_path(request->model_name(), request->model_version()), {});
  }

 private:
  using Query = std::multimap<std::string, std::string>;

  // "/models/NAME[/VERSION]"; "" when a name or version could not be one path segment.
  static std::string model_path(const std::string& name, const std::string& version) {
    const auto segment = [](const std::string& part) { return part.find('/') == std::string::npos && part != "." && part != ".."; };
    if (name.empty() || !segment(name) || !segment(version)) return "";
    return "/models/" + name + (version.empty() ? "" : "/" + version);
  }

  ::grpc::ServerUnaryReactor* refuse(::grpc::CallbackServerContext* call, const ::grpc::Status& status) {
    auto* reactor = call->DefaultReactor();
    reactor->Finish(status);
    return reactor;
  }

  ::grpc::ServerUnaryReactor* run(::grpc::CallbackServerContext* call, tm::ManagementResponse* response,
                                  const std::string& method, const std::string& path, Query query) {
    if (::grpc::Status admitted = admit(context_, call, "management"); !admitted.ok()) return refuse(call, admitted);
    if (path.empty()) {
      return refuse(call, {::grpc::StatusCode::INVALID_ARGUMENT,
                           "Parameter model_name is required (one path segment: no '/'), model_version likewise."});
    }
    HttpRequest request;
    request.method = method;
    request.path = request.target = path;
    request.query = std::move(query);
    const auto& metadata = call->client_metadata();
    if (const auto key = metadata.find("authorization"); key != metadata.end()) {
      request.headers["authorization"] = std::string(key->second.data(), key->second.size());
    }
    request.client_gone = [call] { return call->IsCancelled(); };
    auto* reactor = call->DefaultReactor();
    auto counted = std::make_shared<CallInFlight>(context_);
    rest_(std::move(request), [reactor, response, counted](HttpResponse answer) {
      const ::grpc::Status status = grpc_status(answer);
      if (status.ok()) response->set_msg(message_of(answer.body));
      reactor->Finish(status);
    });
    return reactor;
  }

  // TorchServe's gRPC answers carry a status's text alone, and other answers' JSON whole (without
  // the REST body's final newline).
  static std::string message_of(const std::string& body) {
    const Json json = Json::parse(body, nullptr, false);
    if (json.is_object() && json.size() == 1 && json.contains("status") && json["status"].is_string()) {
      return json["status"].get<std::string>();
    }
    return !body.empty() && body.back() == '\n' ? body.substr(0, body.size() - 1) : body;
  }

  GrpcContext& context_;
  HttpHandler rest_;
};

}  // namespace

std::unique_ptr<::grpc::Service> torchserve_management_service(GrpcContext& context) {
  return std::make_unique<ManagementService>(context);
}

}  // namespace ocrserve
