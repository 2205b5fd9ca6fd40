// TorchServe's gRPC inference API (inference.proto): Ping, Predictions, StreamPredictions and
// StreamPredictions2. A prediction is the REST /predictions call: the same images from the
// request's named parts, the same bytes (TorchServe's JSON) or the same error as a status.
#include "frontend/grpc/grpc_services.hpp"
#include "frontend/grpc/grpc_status.hpp"
#include "frontend/torchserve/api_error.hpp"
#include "frontend/torchserve/prediction_answer.hpp"
#include "inference.grpc.pb.h"

namespace ocrserve {
namespace {

namespace ts = ::org::pytorch::serve::grpc::inference;

// The outcome of one prediction: OK with the body, or the failure.
using Predicted = std::function<void(::grpc::Status, std::string)>;

// The parts REST's forms take images from, in the order they are read; a request with a
// single part of another name is its image.
std::vector<std::string> request_images(const google::protobuf::Map<std::string, std::string>& input) {
  static const char* const kFields[] = {"data", "file", "body", "image", "img"};
  std::vector<std::string> images;
  for (const char* field : kFields) {
    const auto part = input.find(field);
    if (part != input.end() && !part->second.empty()) images.push_back(maybe_base64(part->second));
  }
  if (images.empty() && input.size() == 1 && !input.begin()->second.empty()) {
    images.push_back(maybe_base64(input.begin()->second));
  }
  if (images.empty()) throw Error(ErrorKind::bad_input, "no image in the request: put it in input[\"data\"]");
  return images;
}

void predict(GrpcContext& context, const ts::PredictionsRequest& request, ::grpc::CallbackServerContext* call,
             Predicted done) {
  Server& server = context.server;
  const auto fail = [&done](const HttpResponse& response) { done(grpc_status(response), {}); };
  if (request.model_name().empty()) return fail(error_response(400, "BadRequestException", "Parameter model_name is required."));
  InferenceCall inference{request.model_name(), request.model_version(), {}, [call] { return call->IsCancelled(); }};
  try {
    server.registry().find(inference.model, inference.version);
    inference.images = request_images(request.input());
  } catch (const Error& e) {
    return fail(e.kind() == ErrorKind::not_found ? model_not_found(e) : error_response(e));
  }
  const size_t max_response = server.config().max_response_size;
  auto counted = std::make_shared<CallInFlight>(context);
  run_inference(server.core(), std::move(inference), [done = std::move(done), max_response, counted](InferenceAnswer answer) {
    HttpResponse response = prediction_response(answer, max_response);
    if (response.status == 200) return done(::grpc::Status::OK, std::move(response.body));
    done(grpc_status(response), {});
  });
}

// StreamPredictions: OCR has no partial results, so the stream carries the one answer.
class StreamOne : public ::grpc::ServerWriteReactor<ts::PredictionResponse> {
 public:
  StreamOne(GrpcContext& context, ::grpc::CallbackServerContext* call, const ts::PredictionsRequest& request) {
    if (::grpc::Status admitted = admit(context, call, "inference"); !admitted.ok()) {
      Finish(admitted);
      return;
    }
    predict(context, request, call, [this](::grpc::Status status, std::string body) {
      if (!status.ok()) return Finish(status);
      response_.set_prediction(std::move(body));
      StartWriteAndFinish(&response_, ::grpc::WriteOptions(), ::grpc::Status::OK);
    });
  }
  void OnDone() override { delete this; }

 private:
  ts::PredictionResponse response_;
};

// StreamPredictions2: each request read is answered in turn, its failure in the response's
// status (the stream goes on), its sequenceId echoed.
class StreamMany : public ::grpc::ServerBidiReactor<ts::PredictionsRequest, ts::PredictionResponse> {
 public:
  StreamMany(GrpcContext& context, ::grpc::CallbackServerContext* call) : context_(context), call_(call) {
    if (::grpc::Status admitted = admit(context, call, "inference"); !admitted.ok()) {
      Finish(admitted);
      return;
    }
    StartRead(&request_);
  }
  void OnReadDone(bool ok) override {
    if (!ok) return Finish(::grpc::Status::OK);  // the client has sent everything
    response_.Clear();
    if (request_.has_sequenceid()) response_.set_sequenceid(request_.sequenceid());
    if (request_.sequenceid().empty()) {
      return answer({::grpc::StatusCode::INVALID_ARGUMENT, "Parameter sequenceId is required."}, {});
    }
    predict(context_, request_, call_, [this](::grpc::Status status, std::string body) { answer(status, std::move(body)); });
  }
  void OnWriteDone(bool ok) override {
    if (!ok) return Finish({::grpc::StatusCode::CANCELLED, "the client went away"});
    StartRead(&request_);
  }
  void OnDone() override { delete this; }

 private:
  void answer(const ::grpc::Status& status, std::string body) {
    if (status.ok()) {
      response_.set_prediction(std::move(body));
    } else {
      response_.mutable_status()->set_code(status.error_code());
      response_.mutable_status()->set_message(status.error_message());
    }
    StartWrite(&response_);
  }

  GrpcContext& context_;
  ::grpc::CallbackServerContext* call_;
  ts::PredictionsRequest request_;
  ts::PredictionResponse response_;
};

class InferenceService final
    : public ts::InferenceAPIsService::WithRawCallbackMethod_Predictions<ts::InferenceAPIsService::CallbackService> {
 public:
  explicit InferenceService(GrpcContext& context) : context_(context) {}

  ::grpc::ServerUnaryReactor* Ping(::grpc::CallbackServerContext* call, const google::protobuf::Empty*,
                                   ts::TorchServeHealthResponse* response) override {
    auto* reactor = call->DefaultReactor();
    if (::grpc::Status admitted = admit(context_, call, "inference"); !admitted.ok()) {
      reactor->Finish(admitted);
      return reactor;
    }
    // TorchServe answers the health as a JSON status, with OK either way.
    response->set_health(Json{{"status", context_.server.core().healthy() ? "Healthy" : "Unhealthy"}}.dump(2));
    reactor->Finish(::grpc::Status::OK);
    return reactor;
  }

  ::grpc::ServerUnaryReactor* Predictions(::grpc::CallbackServerContext* call, const ::grpc::ByteBuffer* raw,
                                          ::grpc::ByteBuffer* answer) override {
    auto* reactor = call->DefaultReactor();
    if (::grpc::Status admitted = admit(context_, call, "inference"); !admitted.ok()) {
      reactor->Finish(admitted);
      return reactor;
    }
    ts::PredictionsRequest request;
    if (!parse_raw(raw, request)) {
      reactor->Finish({::grpc::StatusCode::INVALID_ARGUMENT, "the request is not a PredictionsRequest message"});
      return reactor;
    }
    predict(context_, request, call, [reactor, answer](::grpc::Status status, std::string body) {
      if (status.ok()) {
        ts::PredictionResponse response;
        response.set_prediction(std::move(body));
        write_raw(response, answer);
      }
      reactor->Finish(status);
    });
    return reactor;
  }

  ::grpc::ServerWriteReactor<ts::PredictionResponse>* StreamPredictions(::grpc::CallbackServerContext* call,
                                                                         const ts::PredictionsRequest* request) override {
    return new StreamOne(context_, call, *request);
  }

  ::grpc::ServerBidiReactor<ts::PredictionsRequest, ts::PredictionResponse>* StreamPredictions2(
      ::grpc::CallbackServerContext* call) override {
    return new StreamMany(context_, call);
  }

 private:
  GrpcContext& context_;
};

}  // namespace

std::unique_ptr<::grpc::Service> torchserve_inference_service(GrpcContext& context) {
  return std::make_unique<InferenceService>(context);
}

}  // namespace ocrserve
