#include "serve/config.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/json_file.hpp"
#include "ocrserve/error.hpp"
#include "serve/server_log.hpp"

extern char** environ;

namespace ocrserve {
namespace {

std::string trim(const std::string& text) {
  const size_t begin = text.find_first_not_of(" \t\f\r\n");
  if (begin == std::string::npos) return "";
  return text.substr(begin, text.find_last_not_of(" \t\f\r\n") - begin + 1);
}

std::string unescape(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\' || i + 1 == text.size()) {
      out += text[i];
      continue;
    }
    const char next = text[++i];
    out += next == 't' ? '\t' : next == 'n' ? '\n' : next == 'r' ? '\r' : next;
  }
  return out;
}

bool parse_bool(const std::string& value, const std::string& key) {
  std::string lower = value;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "true") return true;
  if (lower == "false") return false;
  throw Error(ErrorKind::bad_input, "config: " + key + "=" + value + ": expected true or false");
}

size_t parse_size(const std::string& value, const std::string& key) {
  try {
    size_t used = 0;
    const long long number = std::stoll(value, &used);
    if (used == value.size() && number >= 0) return static_cast<size_t>(number);
  } catch (const std::exception&) {
  }
  throw Error(ErrorKind::bad_input, "config: " + key + "=" + value + ": expected a non-negative integer");
}

size_t positive(const std::string& value, const std::string& key) {
  const size_t number = parse_size(value, key);
  if (number == 0) throw Error(ErrorKind::bad_input, "config: " + key + "=" + value + ": expected a positive integer");
  return number;
}

// A fraction in [0, 1] (thresholds) or, with `max` above 1, a ratio up to it.
double parse_number(const std::string& value, const std::string& key, double max) {
  try {
    size_t used = 0;
    const double number = std::stod(value, &used);
    if (used == value.size() && number >= 0 && number <= max) return number;
  } catch (const std::exception&) {
  }
  throw Error(ErrorKind::bad_input, "config: " + key + "=" + value + ": expected a number in [0, " +
                                        std::to_string(static_cast<int>(max)) + "]");
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::stringstream stream(text);
  std::string part;
  while (std::getline(stream, part, separator)) {
    if (!trim(part).empty()) parts.push_back(trim(part));
  }
  return parts;
}

// TorchServe keys we read but whose behaviour does not apply to a native server.
const char* const kAcceptedIgnored[] = {"netty_client_threads", "default_startup_timeout", "unregister_model_timeout",
                                        "enable_envvars_config", "use_env_allowed_urls", "metrics_mode",
                                        "metrics_config", "disable_system_metrics", "metric_time_interval",
                                        "install_py_dep_per_model", "vmargs", "async_logging", "decode_input_request",
                                        "limit_max_image_pixels", "prefer_direct_buffer", "initial_worker_port",
                                        "number_of_gpu", "workflow_store", "model_server_home", "use_native_io",
                                        "io_ratio", "ts_open_inference_protocol", "grpc_inference_max_connection_age_ms",
                                        "grpc_management_max_connection_age_ms",
                                        "grpc_inference_max_connection_age_grace_ms",
                                        "grpc_management_max_connection_age_grace_ms", "enable_grpc_ssl"};

// grpc_*_address is a bare host (TorchServe resolves it as an InetAddress), not a URL.
std::string grpc_host(const std::string& value, const std::string& key) {
  std::string host = trim(value);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty() || host.find_first_of("/ ") != std::string::npos) {
    throw Error(ErrorKind::bad_input, "config: " + key + "=" + value + ": expected a host name or IP address");
  }
  return host;
}

uint16_t grpc_port(const std::string& value, const std::string& key) {
  const size_t port = parse_size(value, key);
  if (port > 65535) throw Error(ErrorKind::bad_input, "config: " + key + "=" + value + ": port out of range");
  return static_cast<uint16_t>(port);
}

// TorchServe reads these numbers with Gson's getAsInt, which takes 4 as well as "4".
size_t model_setting_number(const Json& value, const std::string& where) {
  if (value.is_number_unsigned()) return value.get<size_t>();
  if (value.is_string()) return parse_size(value.get<std::string>(), where);
  throw Error(ErrorKind::bad_input, "config: " + where + ": expected a non-negative integer");
}

// Keys of TorchServe's per-model block that ocrserve reads without effect (GPU, Python handler
// and large-model settings); any other unknown key is reported.
const char* const kIgnoredModelKeys[] = {"marName", "deviceType", "deviceIds", "parallelLevel", "parallelType",
                                         "startupTimeout", "maxRetryTimeoutInSec", "clientTimeoutInMills",
                                         "jobQueueSize", "useJobTicket", "continuousBatching"};

std::map<std::string, std::map<std::string, ModelSettings>> parse_models_block(const std::string& text,
                                                                             std::vector<std::string>& warnings) {
  Json block;
  try {
    block = parse_json(text, "config: models");
  } catch (const Error& e) {
    throw Error(ErrorKind::bad_input, e.what());
  }
  if (!block.is_object()) throw Error(ErrorKind::bad_input, "config: models: expected a JSON object of model names");
  std::map<std::string, std::map<std::string, ModelSettings>> models;
  for (const auto& [name, versions] : block.items()) {
    if (!versions.is_object()) throw Error(ErrorKind::bad_input, "config: models: " + name + ": expected an object of versions");
    for (const auto& [version, entry] : versions.items()) {
      const std::string where = "models: " + name + " " + version;
      if (!entry.is_object()) throw Error(ErrorKind::bad_input, "config: " + where + ": expected an object");
      ModelSettings settings;
      for (const auto& [key, value] : entry.items()) {
        const std::string field = where + " " + key;
        if (key == "minWorkers") settings.min_workers = model_setting_number(value, field);
        else if (key == "maxWorkers") settings.max_workers = model_setting_number(value, field);
        else if (key == "batchSize") settings.batch_size = std::max<size_t>(1, model_setting_number(value, field));
        else if (key == "maxBatchDelay") settings.max_batch_delay = std::chrono::milliseconds(model_setting_number(value, field));
        else if (key == "responseTimeout") settings.response_timeout = std::chrono::seconds(model_setting_number(value, field));
        else if (key == "defaultVersion") {
          if (!value.is_boolean()) throw Error(ErrorKind::bad_input, "config: " + field + ": expected true or false");
          settings.default_version = value.get<bool>();
        } else if (std::none_of(std::begin(kIgnoredModelKeys), std::end(kIgnoredModelKeys),
                                [&](const char* k) { return key == k; })) {
          warnings.push_back("config: " + field + ": unknown key ignored");
        }
      }
      if (settings.min_workers && settings.max_workers && *settings.max_workers < *settings.min_workers) {
        throw Error(ErrorKind::bad_input, "config: " + where + ": maxWorkers cannot be less than minWorkers");
      }
      models[name][version] = settings;
    }
  }
  return models;
}

}  // namespace

const ModelSettings* ServerConfig::model_settings(const std::string& name, const std::string& version) const {
  const auto model = models.find(name);
  if (model == models.end()) return nullptr;
  const auto entry = model->second.find(version);
  return entry == model->second.end() ? nullptr : &entry->second;
}

bool ServerConfig::uses_tls() const {
  return inference.tls || management.tls || (enable_metrics_api && metrics.tls);
}

namespace {

// TorchServe's Java keystore keys: ocrserve reads PEM files, and says how to make them.
std::string keystore_refusal(const std::string& key, const std::string& value) {
  const std::string store = key == "keystore" && !value.empty() ? value : "KEYSTORE.p12";
  return "config: " + key + "=" + value + ": Java keystores are not read by ocrserve; convert the keystore to PEM files "
         "and set private_key_file=mykey.key and certificate_file=mycert.pem instead (openssl asks for keystore_pass):\n"
         "  openssl pkcs12 -in " + store + " -nocerts -nodes -out mykey.key\n"
         "  openssl pkcs12 -in " + store + " -nokeys -clcerts -out mycert.pem\n"
         "  openssl pkcs12 -in " + store + " -nokeys -cacerts >> mycert.pem\n"
         "(a JKS keystore: convert it first with keytool -importkeystore -srckeystore " + store +
         " -destkeystore converted.p12 -deststoretype PKCS12, and use converted.p12 above)";
}

}  // namespace

size_t ServingLimits::workers_per_model() const {
  // A worker beyond the cores adds memory, not throughput.
  return max_workers_per_model ? max_workers_per_model : std::max<size_t>(8, 4 * std::thread::hardware_concurrency());
}

Address parse_address(const std::string& value, uint16_t default_port, const std::string& key, bool allow_https) {
  std::string rest = trim(value);
  Address address;
  if (rest.rfind("https://", 0) == 0) {
    if (!allow_https) throw Error(ErrorKind::unsupported, "config: " + key + "=" + value + ": https is not supported here; use http://");
    rest = rest.substr(8);
    address.tls = true;
    default_port = 443;
  }
  if (rest.rfind("unix:", 0) == 0) {
    throw Error(ErrorKind::unsupported, "config: " + key + "=" + value + ": unix sockets are not supported");
  }
  if (rest.rfind("http://", 0) == 0) rest = rest.substr(7);
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  address.port = default_port;
  std::string host = rest;
  const size_t bracket = rest.find(']');
  const size_t colon = rest.rfind(':');
  if (colon != std::string::npos && (bracket == std::string::npos || colon > bracket)) {
    host = rest.substr(0, colon);
    const size_t port = parse_size(rest.substr(colon + 1), key);
    if (port > 65535) throw Error(ErrorKind::bad_input, "config: " + key + "=" + value + ": port out of range");
    address.port = static_cast<uint16_t>(port);
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) throw Error(ErrorKind::bad_input, "config: " + key + "=" + value + ": missing host");
  address.host = host;
  return address;
}

std::map<std::string, std::string> parse_properties(const std::string& text) {
  std::map<std::string, std::string> properties;
  std::stringstream stream(text);
  std::string line, logical;
  while (std::getline(stream, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::string stripped = trim(line);
    if (logical.empty() && (stripped.empty() || stripped[0] == '#' || stripped[0] == '!')) continue;
    // An odd number of trailing backslashes continues the line.
    size_t backslashes = 0;
    while (backslashes < stripped.size() && stripped[stripped.size() - 1 - backslashes] == '\\') ++backslashes;
    if (backslashes % 2 == 1) {
      logical += stripped.substr(0, stripped.size() - 1);
      continue;
    }
    logical += stripped;
    const size_t separator = logical.find_first_of("=:");
    const std::string key = trim(logical.substr(0, separator));
    const std::string value = separator == std::string::npos ? "" : trim(logical.substr(separator + 1));
    if (!key.empty()) properties[unescape(key)] = unescape(value);
    logical.clear();
  }
  return properties;
}

void ServerConfig::set(const std::string& key, const std::string& value) {
  if (key == "inference_address") inference = parse_address(value, 80, key, true);
  else if (key == "management_address") management = parse_address(value, 8081, key, true);
  else if (key == "metrics_address") metrics = parse_address(value, 8082, key, true);
  else if (key == "private_key_file") private_key_file = value;
  else if (key == "certificate_file") certificate_file = value;
  else if (key == "keystore" || key == "keystore_pass" || key == "keystore_type") {
    throw Error(ErrorKind::bad_input, keystore_refusal(key, key == "keystore_pass" ? "…" : value));
  }
  else if (key == "grpc_inference_address") grpc_inference.host = grpc_host(value, key);
  else if (key == "grpc_management_address") grpc_management.host = grpc_host(value, key);
  else if (key == "grpc_inference_port") grpc_inference.port = grpc_port(value, key);
  else if (key == "grpc_management_port") grpc_management.port = grpc_port(value, key);
  else if (key == "enable_grpc") enable_grpc = parse_bool(value, key);
  else if (key == "number_of_netty_threads") netty_threads = parse_size(value, key);
  else if (key == "job_queue_size") job_queue_size = parse_size(value, key);
  else if (key == "model_store") model_store = value;
  else if (key == "load_models") load_models = value;
  else if (key == "models") models = parse_models_block(value, warnings);
  else if (key == "default_workers_per_model") default_workers_per_model = parse_size(value, key);
  else if (key == "max_request_size") max_request_size = parse_size(value, key);
  else if (key == "max_response_size") max_response_size = parse_size(value, key);
  else if (key == "default_response_timeout") default_response_timeout = std::chrono::seconds(parse_size(value, key));
  else if (key == "allowed_urls") allowed_urls = split(value, ',');
  else if (key == "enable_model_api") enable_model_api = parse_bool(value, key);
  else if (key == "enable_metrics_api") enable_metrics_api = parse_bool(value, key);
  else if (key == "disable_token_authorization") disable_token_authorization = parse_bool(value, key);
  else if (key == "token_expiration_min") {
    token_expiration = std::chrono::seconds(static_cast<long long>(parse_number(value, key, 60.0 * 24 * 365) * 60));
  }
  else if (key == "log_level") {
    if (!parse_log_level(value)) {
      throw Error(ErrorKind::bad_input, "config: " + key + "=" + value + ": expected trace, debug, info, warn, error, critical or off");
    }
    log_level = value;
  }
  else if (key == "enable_web_ui") enable_web_ui = parse_bool(value, key);
  else if (key == "service_envelope") {
    // TorchServe's other envelopes (json, body) belong to Python handlers ocrserve does not run.
    std::string envelope = value;
    for (auto& c : envelope) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!envelope.empty() && envelope != "kserve" && envelope != "kservev2") {
      throw Error(ErrorKind::bad_input, "config: " + key + "=" + value + ": expected kserve or kservev2");
    }
    service_envelope = envelope;
  }
  else if (key == "ocrserve_intra_op_threads") intra_op_threads = parse_size(value, key);
  else if (key == "ocrserve_det_limit_side") {
    const size_t side = parse_size(value, key);
    if (side < 32 || side > 8192) throw Error(ErrorKind::bad_input, "config: " + key + "=" + value + ": expected 32 to 8192");
    detection.limit_side = static_cast<int>(side);
  }
  else if (key == "ocrserve_det_thresh") detection.mask_thr = parse_number(value, key, 1);
  else if (key == "ocrserve_det_box_thresh") detection.min_text_score = parse_number(value, key, 1);
  else if (key == "ocrserve_det_unclip_ratio") detection.unclip_ratio = parse_number(value, key, 100);
  else if (key == "ocrserve_max_images_per_request") limits.max_images_per_request = positive(value, key);
  else if (key == "ocrserve_max_request_pixels") limits.max_request_pixels = positive(value, key);
  else if (key == "ocrserve_max_image_pixels") limits.image.max_pixels = positive(value, key);
  else if (key == "ocrserve_max_image_side") limits.image.max_side = static_cast<uint32_t>(std::min<size_t>(positive(value, key), 1u << 30));
  else if (key == "ocrserve_max_jpeg_scans") limits.image.max_jpeg_scans = positive(value, key);
  else if (key == "ocrserve_max_workers_per_model") limits.max_workers_per_model = positive(value, key);
  else if (key == "ocrserve_max_upload_memory") limits.max_upload_memory = positive(value, key);
  else if (key == "ocrserve_idle_timeout") idle_timeout = std::chrono::seconds(positive(value, key));
  else if (std::any_of(std::begin(kAcceptedIgnored), std::end(kAcceptedIgnored), [&](const char* k) { return key == k; })) {
    warnings.push_back("config: " + key + " has no effect in ocrserve");
  } else {
    warnings.push_back("config: unknown key " + key + " ignored");
  }
}

ServerConfig ServerConfig::load(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw Error(ErrorKind::not_found, file.string() + ": config file not found");
  std::stringstream buffer;
  buffer << in.rdbuf();
  ServerConfig config;
  const auto properties = parse_properties(buffer.str());
  for (const auto& [key, value] : properties) {
    try {
      config.set(key, value);
    } catch (const Error& e) {
      throw Error(e.kind(), file.string() + ": " + e.what());
    }
  }
  auto envvars = properties.find("enable_envvars_config");
  config.envvars_config = envvars != properties.end() && parse_bool(envvars->second, envvars->first);
  if (config.envvars_config) config.apply_environment();
  return config;
}

void ServerConfig::apply_environment() {
  for (char** entry = environ; entry && *entry; ++entry) {
    const std::string variable = *entry;
    if (variable.rfind("TS_", 0) != 0) continue;
    const size_t eq = variable.find('=');
    std::string key = variable.substr(3, eq - 3);
    for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    set(key, variable.substr(eq + 1));
  }
}

}  // namespace ocrserve
