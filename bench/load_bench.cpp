// Load on a running server, and the same work in-process for a baseline measured in the same
// run (bench/serve_bench.sh). Prints one JSON line per run. Both modes warm up first (every
// image, on every worker or thread) and use the same graph cache as the server.
//
//   load_bench http PORT PATH CONCURRENCY REQUESTS IMAGE...       (TorchServe: the image as the body)
//   load_bench v2 PORT PATH CONCURRENCY REQUESTS IMAGE...         (KServe v2 JSON, base64 images)
//   load_bench v2-binary PORT PATH CONCURRENCY REQUESTS IMAGE...  (KServe v2, binary tensor data)
//   load_bench inprocess PACKAGE[,REC[,CLS]] THREADS REQUESTS IMAGE...
#include <cstdio>
#include <sstream>

#include "backend/session_cache.hpp"
#include "core/image.hpp"
#include "core/process_memory.hpp"
#include "client/load_generator.hpp"
#include "serve/servable.hpp"

using namespace ocrserve;

int main(int argc, char** argv) {
  keep_freed_memory_for_reuse();  // as the ocrserve binary does
  if (argc < 6) {
    std::fprintf(stderr, "usage: load_bench http|v2|v2-binary PORT PATH CONCURRENCY REQUESTS IMAGE...\n"
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
  if (served) {
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
