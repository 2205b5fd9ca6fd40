#pragma once
// What the gRPC services share, and the services themselves (one file each).
#include <atomic>
#include <memory>

#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/impl/codegen/service_type.h>

#include "frontend/torchserve/server.hpp"

namespace ocrserve {

struct GrpcContext {
  Server& server;
  std::atomic<size_t> in_flight{0};
};

// Held by a call until it is answered: counts it in `in_flight`.
class CallInFlight {
 public:
  explicit CallInFlight(GrpcContext& context) : count_(context.in_flight) { ++count_; }
  ~CallInFlight() { --count_; }
  CallInFlight(const CallInFlight&) = delete;
  CallInFlight& operator=(const CallInFlight&) = delete;

 private:
  std::atomic<size_t>& count_;
};

// Whether a call may start: UNAVAILABLE while draining, UNAUTHENTICATED without the key of
// `which` ("inference" or "management") when token authorization is on; OK otherwise.
::grpc::Status admit(GrpcContext& context, const ::grpc::CallbackServerContext* call, const char* which);

// The calls that carry images take their request as bytes and parse it here: gRPC answers a
// message it cannot parse itself with UNIMPLEMENTED, where a malformed request is INVALID_ARGUMENT.
template <class Message>
bool parse_raw(const ::grpc::ByteBuffer* raw, Message& message) {
  ::grpc::ByteBuffer copy(*raw);  // shares the slices; parsing consumes the buffer
  return ::grpc::SerializationTraits<Message>::Deserialize(&copy, &message).ok();
}

template <class Message>
void write_raw(const Message& message, ::grpc::ByteBuffer* raw) {
  bool own_buffer = false;
  ::grpc::SerializationTraits<Message>::Serialize(message, raw, &own_buffer);
}

std::unique_ptr<::grpc::Service> torchserve_inference_service(GrpcContext& context);
std::unique_ptr<::grpc::Service> torchserve_management_service(GrpcContext& context);
std::unique_ptr<::grpc::Service> kserve_v2_service(GrpcContext& context);

}  // namespace ocrserve
