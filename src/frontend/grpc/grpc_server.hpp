#pragma once
// The gRPC listeners beside TorchServe's HTTP ones: TorchServe's inference API and KServe's v2
// service on grpc_inference_address:grpc_inference_port (7070), TorchServe's management API on
// grpc_management_address:grpc_management_port (7071). Calls run on gRPC's callback API: a
// call waiting for a model holds no thread. docs/grpc.md.
#include <chrono>
#include <cstdint>
#include <memory>

#include "frontend/torchserve/server.hpp"

namespace ocrserve {

struct GrpcPorts {
  uint16_t inference = 0;
  uint16_t management = 0;
};

class GrpcServer {
 public:
  explicit GrpcServer(Server& server);
  ~GrpcServer();

  // Binds both ports (0: any free port) and serves; Error(bad_input) when one cannot be bound.
  GrpcPorts start();
  // Calls being answered (a drain waits for them).
  size_t in_flight() const;
  // Refuses new calls, gives those in flight up to `grace`, then cancels them.
  void stop(std::chrono::milliseconds grace);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ocrserve
