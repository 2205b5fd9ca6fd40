#pragma once
// config.properties, with TorchServe's key names and defaults (../shared/specs/torchserve.md §4).
// Unknown keys are kept and reported as warnings, never fatal.
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/image.hpp"
#include "ocrserve/options.hpp"

namespace ocrserve {

struct Address {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  bool tls = false;  // https://: the listener speaks TLS (private_key_file, certificate_file)
};

// "http://host:port" → Address. Without a port, `default_port` (443 for https://, as
// TorchServe). Error naming `key` for https where `allow_https` is false, unix sockets or
// malformed values.
Address parse_address(const std::string& value, uint16_t default_port, const std::string& key, bool allow_https = false);

// What one request, one upload or one model may cost; a request over a limit is refused
// (413/400) before it costs anything. The table is in docs/reliability.md "Limits".
struct ServingLimits {
  size_t max_images_per_request = 64;            // ocrserve_max_images_per_request
  uint64_t max_request_pixels = 100'000'000;     // ocrserve_max_request_pixels: all images, from headers
  DecodeLimits image;                            // ocrserve_max_image_pixels, _max_image_side, _max_jpeg_scans
  size_t max_workers_per_model = 0;              // ocrserve_max_workers_per_model; 0 = 4 per core, at least 8
  size_t max_upload_memory = 256ULL << 20;       // ocrserve_max_upload_memory: bodies being received, all connections

  size_t workers_per_model() const;
};

// One model version's entry in config.properties' `models={...}` block (TorchServe's keys:
// {"NAME": {"VERSION": {"minWorkers": 1, "maxWorkers": 1, "batchSize": 4, "maxBatchDelay": 100,
// "responseTimeout": 120, "defaultVersion": true, "marName": "NAME.mar"}}}). It applies to the
// models loaded at start-up, as in TorchServe; what is unset keeps the command line's value.
struct ModelSettings {
  std::optional<size_t> min_workers;
  std::optional<size_t> max_workers;
  std::optional<size_t> batch_size;
  std::optional<std::chrono::milliseconds> max_batch_delay;
  std::optional<std::chrono::seconds> response_timeout;
  bool default_version = false;
};

struct ServerConfig {
  Address inference{"127.0.0.1", 8080};
  Address management{"127.0.0.1", 8081};
  Address metrics{"127.0.0.1", 8082};
  // TorchServe's gRPC APIs (grpc_inference_address/_port, grpc_management_address/_port): a
  // host and a port each; KServe's v2 gRPC service shares the inference port.
  Address grpc_inference{"127.0.0.1", 7070};
  Address grpc_management{"127.0.0.1", 7071};
  bool enable_grpc = true;             // enable_grpc (ocrserve's): TorchServe always serves gRPC
  size_t netty_threads = 0;            // number_of_netty_threads: 0 = number of CPUs
  size_t job_queue_size = 100;
  std::filesystem::path model_store;
  std::string load_models;             // "all", "a.mar,b.mar" or "name=a.mar,…"
  std::optional<size_t> default_workers_per_model;  // unset: 1 per model at start-up (CPU inference)
  size_t max_request_size = 6553500;
  size_t max_response_size = 6553500;
  std::chrono::seconds default_response_timeout{120};
  std::vector<std::string> allowed_urls{"file://.*", "http(s)?://.*"};  // regexes; TorchServe's default; empty = only the store
  bool enable_model_api = false;
  bool envvars_config = false;                     // enable_envvars_config: TS_* variables override the file and flags
  bool enable_metrics_api = true;
  bool disable_token_authorization = false;        // TorchServe 0.11.1+: token authorization is on unless turned off
  std::chrono::seconds token_expiration{3600};     // token_expiration_min, fractions allowed (0.5 = 30 s)
  size_t intra_op_threads = 1;                     // ocrserve_intra_op_threads: per worker
  DetectionSettings detection;                     // ocrserve_det_*: for every detection and OCR model
  std::string log_level = "info";                  // log_level: trace, debug, info, warn, error, critical, off
  bool enable_web_ui = true;                       // enable_web_ui: GET / on the inference port serves the web page
  std::filesystem::path private_key_file;          // private_key_file, certificate_file: PEM files for the
  std::filesystem::path certificate_file;          //   https:// listeners (TorchServe's keys)
  std::chrono::seconds idle_timeout{60};           // ocrserve_idle_timeout: a silent connection (or TLS handshake) is closed
  // service_envelope: "" (TorchServe's bodies), "kserve" or "kservev2" — the body shapes
  // /predictions takes and gives (KServe's v1 instances/predictions, or v2 tensors).
  std::string service_envelope;
  ServingLimits limits;
  std::map<std::string, std::map<std::string, ModelSettings>> models;  // models: name -> version -> settings
  std::vector<std::string> warnings;               // unknown keys, ignored values

  // Whether any listener that will be opened is https://.
  bool uses_tls() const;

  // The models={...} entry of this name and version, if any.
  const ModelSettings* model_settings(const std::string& name, const std::string& version) const;

  // Reads a Java .properties file over the defaults; Error(not_found/bad_input) naming the key.
  static ServerConfig load(const std::filesystem::path& file);
  // Applies one key (used by load() and for TS_* environment variables).
  void set(const std::string& key, const std::string& value);
  // TS_<KEY> environment variables, read when enable_envvars_config=true as TorchServe does.
  void apply_environment();
};

// key=value lines with '#'/'!' comments, ':' separators, '\' continuations and escapes.
std::map<std::string, std::string> parse_properties(const std::string& text);

}  // namespace ocrserve
