// KServe's Open Inference Protocol (v2) over gRPC (grpc_predict_v2.proto), on the inference
// port. Health and metadata come from the serving core; ModelInfer maps tensors with
// kserve/v2_tensors.hpp: images in as BYTES (contents.bytes_contents, or raw_input_contents
// with each element a 4-byte little-endian length and its bytes, as Triton sends them), results
// out as typed contents, or as raw_output_contents when the request's inputs were raw.
#include <cstring>

#include "frontend/grpc/grpc_services.hpp"
#include "frontend/grpc/grpc_status.hpp"
#include "frontend/kserve/v2_tensors.hpp"
#include "frontend/torchserve/api_error.hpp"
#include "frontend/torchserve/prediction_answer.hpp"
#include "grpc_predict_v2.grpc.pb.h"
#include "ocrserve/version.hpp"

namespace ocrserve {
namespace {

namespace v2 = ::inference;

::grpc::Status invalid(const std::string& message) { return {::grpc::StatusCode::INVALID_ARGUMENT, message}; }

// A failure worded as the TorchServe REST API words it, then as its gRPC status.
::grpc::Status failure(const std::exception_ptr& error) { return grpc_status(answer_error(error)); }

void check_shape(const v2::ModelInferRequest::InferInputTensor& input) {
  for (const int64_t dimension : input.shape()) {
    if (dimension < 0 || dimension > (int64_t{1} << 31)) {
      throw Error(ErrorKind::bad_input, "input \"" + input.name() + "\" has the dimension " + std::to_string(dimension) +
                                            " in its shape");
    }
  }
}

template <typename T>
std::vector<T> raw_values(const std::string& raw, const std::string& name) {
  if (raw.size() % sizeof(T) != 0) {
    throw Error(ErrorKind::bad_input, "raw contents of input \"" + name + "\" are not whole " + std::to_string(sizeof(T)) +
                                          "-byte values");
  }
  std::vector<T> values(raw.size() / sizeof(T));
  if (!values.empty()) std::memcpy(values.data(), raw.data(), raw.size());  // little-endian, as the host
  return values;
}

// The request's inputs as tensors, from typed contents or from raw_input_contents.
std::vector<kserve::Tensor> request_tensors(const v2::ModelInferRequest& request) {
  const bool raw = request.raw_input_contents_size() > 0;
  if (raw && request.raw_input_contents_size() != request.inputs_size()) {
    throw Error(ErrorKind::bad_input, "raw_input_contents holds " + std::to_string(request.raw_input_contents_size()) +
                                          " entries for " + std::to_string(request.inputs_size()) + " inputs");
  }
  std::vector<kserve::Tensor> tensors;
  for (int i = 0; i < request.inputs_size(); ++i) {
    const auto& input = request.inputs(i);
    check_shape(input);
    kserve::Tensor tensor;
    tensor.name = input.name();
    tensor.datatype = input.datatype();
    tensor.shape.assign(input.shape().begin(), input.shape().end());
    if (raw && input.has_contents()) {
      throw Error(ErrorKind::bad_input, "input \"" + input.name() + "\" has contents although raw_input_contents is used");
    }
    if (input.datatype() == "BYTES") {
      if (raw) {
        tensor.bytes = kserve::raw_bytes_elements(request.raw_input_contents(i), "raw contents of input \"" + input.name() + "\"");
      } else {
        tensor.bytes.assign(input.contents().bytes_contents().begin(), input.contents().bytes_contents().end());
      }
      for (auto& element : tensor.bytes) element = maybe_base64(std::move(element));
    } else if (input.datatype() == "FP32") {
      tensor.fp32 = raw ? raw_values<float>(request.raw_input_contents(i), input.name())
                        : std::vector<float>(input.contents().fp32_contents().begin(), input.contents().fp32_contents().end());
    } else if (input.datatype() == "INT32") {
      tensor.int32 = raw ? raw_values<int32_t>(request.raw_input_contents(i), input.name())
                         : std::vector<int32_t>(input.contents().int_contents().begin(), input.contents().int_contents().end());
    }
    // Another datatype is refused by input_images, which names what images must be.
    tensors.push_back(std::move(tensor));
  }
  return tensors;
}

void write_outputs(const std::vector<kserve::Tensor>& tensors, bool raw, v2::ModelInferResponse& response) {
  for (const auto& tensor : tensors) {
    auto* output = response.add_outputs();
    output->set_name(tensor.name);
    output->set_datatype(tensor.datatype);
    for (const int64_t dimension : tensor.shape) output->add_shape(dimension);
    if (raw) {
      response.add_raw_output_contents(kserve::raw_data(tensor));
      continue;
    }
    auto* contents = output->mutable_contents();
    for (const auto& element : tensor.bytes) contents->add_bytes_contents(element);
    for (const float value : tensor.fp32) contents->add_fp32_contents(value);
    for (const int32_t value : tensor.int32) contents->add_int_contents(value);
  }
}

class KServeV2Service final
    : public v2::GRPCInferenceService::WithRawCallbackMethod_ModelInfer<v2::GRPCInferenceService::CallbackService> {
 public:
  explicit KServeV2Service(GrpcContext& context) : context_(context) {}

  ::grpc::ServerUnaryReactor* ServerLive(::grpc::CallbackServerContext* call, const v2::ServerLiveRequest*,
                                         v2::ServerLiveResponse* response) override {
    response->set_live(true);
    return finish(call, ::grpc::Status::OK);
  }

  ::grpc::ServerUnaryReactor* ServerReady(::grpc::CallbackServerContext* call, const v2::ServerReadyRequest*,
                                          v2::ServerReadyResponse* response) override {
    response->set_ready(!context_.server.draining() && context_.server.core().healthy());
    return finish(call, ::grpc::Status::OK);
  }

  ::grpc::ServerUnaryReactor* ModelReady(::grpc::CallbackServerContext* call, const v2::ModelReadyRequest* request,
                                         v2::ModelReadyResponse* response) override {
    if (auto refused = admit(context_, call, "inference"); !refused.ok()) return finish(call, refused);
    try {
      const auto model = context_.server.registry().find(request->name(), request->version());
      size_t ready = 0;
      for (const auto& worker : model->runner->workers()) ready += worker.status == "READY";
      response->set_ready(!context_.server.draining() && ready > 0 && ready >= model->min_workers);
    } catch (const Error&) {
      return finish(call, failure(std::current_exception()));
    }
    return finish(call, ::grpc::Status::OK);
  }

  ::grpc::ServerUnaryReactor* ServerMetadata(::grpc::CallbackServerContext* call, const v2::ServerMetadataRequest*,
                                             v2::ServerMetadataResponse* response) override {
    if (auto refused = admit(context_, call, "inference"); !refused.ok()) return finish(call, refused);
    response->set_name("ocrserve");
    response->set_version(OCRSERVE_VERSION_STRING);
    return finish(call, ::grpc::Status::OK);
  }

  ::grpc::ServerUnaryReactor* ModelMetadata(::grpc::CallbackServerContext* call, const v2::ModelMetadataRequest* request,
                                            v2::ModelMetadataResponse* response) override {
    if (auto refused = admit(context_, call, "inference"); !refused.ok()) return finish(call, refused);
    try {
      const auto model = context_.server.registry().find(request->name(), request->version());
      response->set_name(model->name);
      for (const auto& version : context_.server.registry().versions(model->name)) response->add_versions(version->version);
      response->set_platform(std::string("ocrserve_") + to_string(model->runner->spec().kind));
      const auto describe = [](const kserve::TensorMetadata& tensor, v2::ModelMetadataResponse::TensorMetadata* out) {
        out->set_name(tensor.name);
        out->set_datatype(tensor.datatype);
        for (const int64_t dimension : tensor.shape) out->add_shape(dimension);
      };
      for (const auto& input : kserve::input_metadata()) describe(input, response->add_inputs());
      for (const auto& output : kserve::output_metadata(model->runner->spec().kind)) describe(output, response->add_outputs());
    } catch (const Error&) {
      return finish(call, failure(std::current_exception()));
    }
    return finish(call, ::grpc::Status::OK);
  }

  ::grpc::ServerUnaryReactor* ModelInfer(::grpc::CallbackServerContext* call, const ::grpc::ByteBuffer* raw_request,
                                         ::grpc::ByteBuffer* answer) override {
    if (auto refused = admit(context_, call, "inference"); !refused.ok()) return finish(call, refused);
    auto parsed = std::make_unique<v2::ModelInferRequest>();
    if (!parse_raw(raw_request, *parsed)) return finish(call, invalid("the request is not a ModelInferRequest message"));
    const v2::ModelInferRequest* request = parsed.get();
    auto response = std::make_shared<v2::ModelInferResponse>();
    if (request->model_name().empty()) return finish(call, invalid("model_name is required"));
    InferenceCall inference{request->model_name(), request->model_version(), {}, [call] { return call->IsCancelled(); }};
    std::shared_ptr<ServedModel> model;
    std::vector<std::string> requested;
    try {
      model = context_.server.registry().find(inference.model, inference.version);
      inference.images = kserve::input_images(request_tensors(*request));
      for (const auto& output : request->outputs()) requested.push_back(output.name());
    } catch (const Error&) {
      return finish(call, failure(std::current_exception()));
    }
    const PipelineKind kind = model->runner->spec().kind;
    response->set_model_name(model->name);
    response->set_model_version(model->version);
    response->set_id(request->id());
    const bool raw = request->raw_input_contents_size() > 0;
    auto* reactor = call->DefaultReactor();
    auto counted = std::make_shared<CallInFlight>(context_);
    const size_t max_response = context_.server.config().max_response_size;
    run_inference(context_.server.core(), std::move(inference),
                  [reactor, answer_buffer = answer, response, kind, requested, raw, counted, max_response](InferenceAnswer answer) {
                    if (answer.error) return reactor->Finish(failure(answer.error));
                    std::vector<PipelineResult> results;
                    for (auto& outcome : answer.outcomes) {
                      // One image's failure fails the call: tensors have no place for it.
                      if (outcome.error) return reactor->Finish(failure(std::make_exception_ptr(*outcome.error)));
                      results.push_back(std::move(outcome.result));
                    }
                    try {
                      write_outputs(kserve::output_tensors(kind, results, requested), raw, *response);
                    } catch (const Error&) {
                      return reactor->Finish(failure(std::current_exception()));
                    }
                    if (response->ByteSizeLong() > max_response) {
                      return reactor->Finish({::grpc::StatusCode::RESOURCE_EXHAUSTED,
                                              "response of " + std::to_string(response->ByteSizeLong()) +
                                                  " bytes exceeds max_response_size"});
                    }
                    write_raw(*response, answer_buffer);
                    reactor->Finish(::grpc::Status::OK);
                  });
    return reactor;
  }

 private:
  static ::grpc::ServerUnaryReactor* finish(::grpc::CallbackServerContext* call, const ::grpc::Status& status) {
    auto* reactor = call->DefaultReactor();
    reactor->Finish(status);
    return reactor;
  }

  GrpcContext& context_;
};

}  // namespace

std::unique_ptr<::grpc::Service> kserve_v2_service(GrpcContext& context) {
  return std::make_unique<KServeV2Service>(context);
}

}  // namespace ocrserve
