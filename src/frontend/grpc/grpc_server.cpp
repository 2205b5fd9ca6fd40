#include "frontend/grpc/grpc_server.hpp"

#include <spdlog/spdlog.h>

#include "frontend/grpc/grpc_services.hpp"
#include "frontend/grpc/grpc_status.hpp"

namespace ocrserve {

::grpc::Status admit(GrpcContext& context, const ::grpc::CallbackServerContext* call, const char* which) {
  if (context.server.draining()) return {::grpc::StatusCode::UNAVAILABLE, "ocrserve is shutting down"};
  if (!context.server.tokens().enabled()) return ::grpc::Status::OK;
  const auto& metadata = call->client_metadata();
  const auto found = metadata.find("authorization");
  const std::string authorization = found == metadata.end() ? "" : std::string(found->second.data(), found->second.size());
  if (!context.server.tokens().check(which, authorization)) return {::grpc::StatusCode::UNAUTHENTICATED, kTokenFailure};
  return ::grpc::Status::OK;
}

struct GrpcServer::Impl {
  explicit Impl(Server& server) : context{server} {}
  GrpcContext context;
  std::unique_ptr<::grpc::Service> inference, kserve, management;
  std::unique_ptr<::grpc::Server> inference_server, management_server;
};

GrpcServer::GrpcServer(Server& server) : impl_(std::make_unique<Impl>(server)) {}

GrpcServer::~GrpcServer() { stop(std::chrono::milliseconds(0)); }

namespace {

// One listener: its own server, so that each port offers only its own services.
std::unique_ptr<::grpc::Server> listen(const Address& address, const ServerConfig& config,
                                       const std::vector<::grpc::Service*>& services, uint16_t& bound) {
  ::grpc::ServerBuilder builder;
  const std::string host = address.host.find(':') != std::string::npos ? "[" + address.host + "]" : address.host;
  int port = 0;
  builder.AddListeningPort(host + ":" + std::to_string(address.port), ::grpc::InsecureServerCredentials(), &port);
  // The REST limits bound the messages too: a larger one is refused before it is parsed.
  builder.SetMaxReceiveMessageSize(static_cast<int>(std::min<size_t>(config.max_request_size, INT32_MAX)));
  builder.SetMaxSendMessageSize(static_cast<int>(std::min<size_t>(config.max_response_size, INT32_MAX)));
  // One port per listener: gRPC's SO_REUSEPORT would let a second ocrserve share it silently.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  for (auto* service : services) builder.RegisterService(service);
  auto server = builder.BuildAndStart();
  if (!server || port == 0) {
    throw Error(ErrorKind::bad_input, "cannot bind the gRPC listener to " + host + ":" + std::to_string(address.port));
  }
  bound = static_cast<uint16_t>(port);
  return server;
}

}  // namespace

GrpcPorts GrpcServer::start() {
  const ServerConfig& config = impl_->context.server.config();
  impl_->inference = torchserve_inference_service(impl_->context);
  impl_->kserve = kserve_v2_service(impl_->context);
  impl_->management = torchserve_management_service(impl_->context);
  GrpcPorts ports;
  impl_->inference_server =
      listen(config.grpc_inference, config, {impl_->inference.get(), impl_->kserve.get()}, ports.inference);
  impl_->management_server = listen(config.grpc_management, config, {impl_->management.get()}, ports.management);
  return ports;
}

size_t GrpcServer::in_flight() const { return impl_->context.in_flight.load(); }

void GrpcServer::stop(std::chrono::milliseconds grace) {
  const auto deadline = std::chrono::system_clock::now() + grace;
  if (impl_->inference_server) impl_->inference_server->Shutdown(deadline);
  if (impl_->management_server) impl_->management_server->Shutdown(deadline);
  impl_->inference_server.reset();
  impl_->management_server.reset();
}

}  // namespace ocrserve
