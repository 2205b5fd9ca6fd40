// Load on a running server, and the same work in-process for a baseline measured in the same
// run (bench/serve_bench.sh). Prints one JSON line per run. Both modes warm up first (every
// image, on every worker or thread) and use the same graph cache as the server.
//
//   load_bench http PORT PATH CONCURRENCY REQUESTS IMAGE...       (TorchServe: the image as the body)
//   load_bench v2 PORT PATH CONCURRENCY REQUESTS IMAGE...         (KServe v2 JSON, base64 images)
//   load_bench v2-binary PORT PATH CONCURRENCY REQUESTS IMAGE...  (KServe v2, binary tensor data)
//   load_bench grpc PORT MODEL CONCURRENCY REQUESTS IMAGE...      (TorchServe's gRPC Predictions)
//   load_bench grpc-v2 PORT MODEL CONCURRENCY REQUESTS IMAGE...   (KServe v2 gRPC ModelInfer)
//   load_bench inprocess PACKAGE[,REC[,CLS]] THREADS REQUESTS IMAGE...
#include <cstdio>
#include <sstream>

#include "backend/session_cache.hpp"
#include "core/image.hpp"
#include "core/process_memory.hpp"
#include "client/load_generator.hpp"
#include "grpc_predict_v2.grpc.pb.h"
#include "inference.grpc.pb.h"
#include "serve/servable.hpp"

#include <grpcpp/grpcpp.h>

using namespace ocrserve;

namespace {

// One channel (one HTTP/2 connection) per client, as the HTTP mode has one connection each.
std::shared_ptr<::grpc::Channel> client_channel(const std::string& target, size_t client) {
  ::grpc::ChannelArguments arguments;
  arguments.SetInt("grpc.use_local_subchannel_pool", 1);
  arguments.SetInt("ocrserve.client", static_cast<int>(client));  // no channel sharing
  arguments.SetMaxReceiveMessageSize(64 << 20);
  arguments.SetMaxSendMessageSize(64 << 20);
  return ::grpc::CreateCustomChannel(target, ::grpc::InsecureChannelCredentials(), arguments);
}

// TorchServe's Predictions (v2 = false) or KServe's ModelInfer (v2 = true), images round-robin.
LoadSummary grpc_load(const std::string& target, const std::string& model, bool v2, const std::vector<std::string>& images,
                      size_t concurrency, size_t requests) {
  namespace ts = ::org::pytorch::serve::grpc::inference;
  std::vector<std::unique_ptr<ts::InferenceAPIsService::Stub>> torchserve;
  std::vector<std::unique_ptr<::inference::GRPCInferenceService::Stub>> kserve;
  for (size_t c = 0; c < concurrency; ++c) {
    auto channel = client_channel(target, c);
    torchserve.push_back(ts::InferenceAPIsService::NewStub(channel));
    kserve.push_back(::inference::GRPCInferenceService::NewStub(channel));
  }
  return drive_load(concurrency, requests, [&](size_t client, size_t index) {
    const std::string& image = images[index % images.size()];
    ::grpc::ClientContext context;
    if (!v2) {
      ts::PredictionsRequest request;
      request.set_model_name(model);
      (*request.mutable_input())["data"] = image;
      ts::PredictionResponse response;
      return torchserve[client]->Predictions(&context, request, &response).ok();
    }
    ::inference::ModelInferRequest request;
    request.set_model_name(model);
    auto* input = request.add_inputs();
    input->set_name("images");
    input->set_datatype("BYTES");
    input->add_shape(1);
    input->mutable_contents()->add_bytes_contents(image);
    ::inference::ModelInferResponse response;
    return kserve[client]->ModelInfer(&context, request, &response).ok();
  }, 1);  // each client's first call, untimed, opens its connection
}

}  // namespace

int main(int argc, char** argv) {
  keep_freed_memory_for_reuse();  // as the ocrserve binary does
  if (argc < 6) {
    std::fprintf(stderr, "usage: load_bench http|v2|v2-binary PORT PATH CONCURRENCY REQUESTS IMAGE...\n"
                         "       load_bench grpc|grpc-v2 PORT MODEL CONCURRENCY REQUESTS IMAGE...\n"
                         "       load_bench inprocess PACKAGE[,REC[,CLS]] THREADS REQUESTS IMAGE...\n");
    return 2;
  }
  const std::string mode = argv[1];
  const bool served = mode != "inprocess";
  const int first_image = served ? 6 : 5;
  std::vector<std::string> images;
  for (int i = first_image; i < argc; ++i) {
    const auto bytes = read_file_bytes(argv[i]);
    images.emplace_back(bytes.begin(), bytes.end());
  }
  LoadSummary summary;
  if (mode == "grpc" || mode == "grpc-v2") {
    const std::string target = std::string("127.0.0.1:") + argv[2];
    grpc_load(target, argv[3], mode == "grpc-v2", images, 2, 2 * images.size());  // warm-up, as for http
    summary = grpc_load(target, argv[3], mode == "grpc-v2", images, std::stoul(argv[4]), std::stoul(argv[5]));
  } else if (served) {
    const std::string url = std::string("http://127.0.0.1:") + argv[2] + argv[3];
    const RequestProtocol protocol = parse_request_protocol(mode == "http" ? "torchserve" : mode);
    std::vector<PostBody> bodies;
    for (const std::string& image : images) bodies.push_back(request_body(protocol, image));
    // Warm-up, not timed: every image twice from two clients, so that both workers have run.
    http_load(url, bodies, 2, 2 * bodies.size());
    summary = http_load(url, bodies, std::stoul(argv[4]), std::stoul(argv[5]));
  } else {
    // One pipeline per thread, as the server has one per worker.
    std::vector<std::string> parts;
    std::stringstream list(argv[2]);
    for (std::string part; std::getline(list, part, ',');) parts.push_back(part);
    parts.resize(3);
    const size_t threads = std::stoul(argv[3]);
    std::vector<std::unique_ptr<Servable>> servables;
    for (size_t t = 0; t < threads; ++t) {
      ServableSpec spec = ServableSpec::from_packages(parts[0], parts[1], parts[2]);
      spec.pipeline.backend.cache_dir = default_session_cache_dir();
      servables.push_back(std::make_unique<Servable>(spec));
    }
    // Every thread first runs every image once, untimed, as the server's workers have.
    summary = drive_load(
        threads, std::stoul(argv[4]),
        [&](size_t t, size_t i) { return !servables[t]->run({&images[i % images.size()]}).front().error.has_value(); },
        images.size());
  }
  Json line = summary.json();
  line.erase("seconds");
  std::printf("%s\n", line.dump().c_str());
  return 0;
}
