// `ocrserve start` and `ocrserve stop`: torchserve --start / --stop for OCR models.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <thread>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "cli/commands.hpp"
#include "cli/pipelines.hpp"
#include "frontend/grpc/grpc_server.hpp"
#include "frontend/torchserve/server.hpp"
#include "serve/server_log.hpp"

namespace ocrserve {
namespace {

namespace fs = std::filesystem;

struct StartOptions {
  std::string model_store;
  std::vector<std::string> models;
  std::string ts_config;
  bool foreground = false;
  bool enable_model_api = false;
  bool disable_token_auth = false;
  bool ncs = false;
  std::optional<size_t> workers;
  std::optional<size_t> batch_size;
  std::optional<long> max_batch_delay;
  std::string log_file;
  std::string log_level;  // wins over config.properties' log_level
  Precision precision = Precision::fp32;  // of the default models
};

fs::path pid_file() {
  const char* tmp = std::getenv("TMPDIR");
  return fs::path(tmp && *tmp ? tmp : "/tmp") / ".ocrserve.pid";
}

bool process_alive(pid_t pid) { return pid > 0 && kill(pid, 0) == 0; }

pid_t running_pid() {
  std::ifstream in(pid_file());
  pid_t pid = 0;
  in >> pid;
  return process_alive(pid) ? pid : 0;
}

ServerConfig load_config(const StartOptions& options) {
  // TorchServe's order: TS_CONFIG_FILE, --ts-config, ./config.properties, built-in defaults.
  std::string file = options.ts_config;
  if (const char* env = std::getenv("TS_CONFIG_FILE"); env && *env) file = env;
  if (file.empty() && fs::exists("config.properties")) file = "config.properties";
  ServerConfig config = file.empty() ? ServerConfig{} : ServerConfig::load(file);
  if (!options.model_store.empty()) config.model_store = options.model_store;
  if (options.enable_model_api) config.enable_model_api = true;
  if (options.disable_token_auth) config.disable_token_authorization = true;
  // TorchServe's priority for these two: environment (when enabled), then the flag, then the file.
  if (config.envvars_config) {
    for (const char* variable : {"TS_DISABLE_TOKEN_AUTHORIZATION", "TS_ENABLE_MODEL_API"}) {
      if (const char* value = std::getenv(variable); value && *value) {
        std::string key = variable + 3;
        for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        config.set(key, value);
      }
    }
  }
  if (!config.model_store.empty()) config.model_store = fs::absolute(config.model_store);
  return config;
}

// The default OCR model is a folder of links to the default detector and recogniser; the angle
// classifier is left out, as in `ocrserve infer` (a link left by an older version goes). It lives
// in the models folder (installs ship it there); where that folder cannot take it (read-only, or
// "ocr" is something else), it is made under $TMPDIR instead. Returns the folder.
fs::path assemble_default_ocr_model(const fs::path& models, Precision precision) {
  const std::string suffix = precision == Precision::int8 ? "-int8" : "";
  const auto assemble = [&](const fs::path& ocr, const fs::path& packages) {
    std::error_code ignored;
    fs::create_directories(ocr, ignored);
    if (fs::is_symlink(ocr / "cls", ignored)) fs::remove(ocr / "cls", ignored);
    for (const char* part : {"det", "rec"}) {
      const fs::path link = ocr / part;
      if (!fs::exists(link, ignored)) fs::create_directory_symlink(packages / ("ppocr-" + (part + suffix)), link, ignored);
    }
    return fs::exists(ocr / "det/deploy.json", ignored) && fs::exists(ocr / "rec/deploy.json", ignored);
  };
  // Relative links, so that the folder can be moved or installed elsewhere as it is.
  if (assemble(models / ("ocr" + suffix), "..")) return models / ("ocr" + suffix);
  // One folder per models folder and user: servers started from the same models share it.
  const fs::path elsewhere = fs::temp_directory_path() /
                             ("ocrserve-default-ocr" + suffix + "-" + std::to_string(getuid()) + "-" +
                              std::to_string(std::hash<std::string>{}(fs::absolute(models).string())));
  if (assemble(elsewhere, fs::absolute(models))) return elsewhere;
  throw Error(ErrorKind::internal, "cannot assemble the default ocr model in " + (models / "ocr").string() + " or " +
                                       elsewhere.string());
}

void detach_standard_streams(const fs::path& log) {
  const int input = open("/dev/null", O_RDONLY);
  int output = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (output < 0) output = open("/dev/null", O_WRONLY);
  if (input >= 0) dup2(input, STDIN_FILENO);
  if (output >= 0) {
    dup2(output, STDOUT_FILENO);
    dup2(output, STDERR_FILENO);
  }
  for (int fd : {input, output}) {
    if (fd > STDERR_FILENO) close(fd);
  }
}

// What to load at start-up: --models, else load_models; with neither, nothing when a model
// store is named (TorchServe's behaviour: models come later, over the management API), else
// the default models.
std::vector<LoadRequest> startup_models(const StartOptions& options, ServerConfig& config) {
  std::string list;
  for (const auto& item : options.models) list += (list.empty() ? "" : ",") + item;
  if (list.empty()) list = config.load_models;

  RunnerSettings settings;
  settings.queue_capacity = config.job_queue_size;
  settings.response_timeout = config.default_response_timeout;
  if (options.batch_size) settings.batch_size = std::max<size_t>(*options.batch_size, 1);
  if (options.max_batch_delay) settings.max_batch_delay = std::chrono::milliseconds(*options.max_batch_delay);
  const size_t workers = options.workers.value_or(config.default_workers_per_model.value_or(1));

  std::vector<LoadRequest> requests;
  auto add = [&](const std::string& name, const std::string& url) {
    requests.push_back({url, name, settings, workers, true});
  };
  if (list.empty() && !config.model_store.empty()) {
    spdlog::info("no models to load at start-up: --model-store without --models (or load_models)");
    return requests;
  }
  if (list.empty()) {
    // The embedded defaults: det, rec and end-to-end ocr from the packages setup.sh made.
    const fs::path models = default_models_dir();
    const fs::path ocr = assemble_default_ocr_model(models, options.precision);
    if (config.model_store.empty()) config.model_store = models;
    config.allowed_urls.push_back("file://" + fs::absolute(models).string() + "/.*");
    config.allowed_urls.push_back("file://" + fs::absolute(ocr).string());
    add("det", "file://" + fs::absolute(default_package("ppocr-det", options.precision)).string());
    add("rec", "file://" + fs::absolute(default_package("ppocr-rec", options.precision)).string());
    add("ocr", "file://" + fs::absolute(ocr).string());
    return requests;
  }
  if (config.model_store.empty()) throw Error(ErrorKind::bad_input, "Missing mandatory parameter --model-store");
  if (list == "all") {
    for (const auto& entry : store_entries(config.model_store)) add("", entry);
    return requests;
  }
  for (const auto& [name, url] : parse_model_list(list)) add(name, url);
  return requests;
}

spdlog::level::level_enum log_level(const StartOptions& options, const ServerConfig& config) {
  const std::string& name = options.log_level.empty() ? config.log_level : options.log_level;
  if (const auto level = parse_log_level(name)) return *level;
  throw Error(ErrorKind::bad_input, "--log-level " + name + ": expected trace, debug, info, warn, error, critical or off");
}

int wait_for_signal() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  int received = 0;
  sigwait(&signals, &received);
  return received;
}

// Runs the server in this process until SIGTERM/SIGINT, logging to `sink` (model loads, one
// access-log line per request, the final "ocrserve stopped"). `ready` is told when it serves.
void serve(const StartOptions& options, spdlog::sink_ptr sink, const std::function<void(const std::string&)>& ready) {
  // Signals go to sigwait only: block them before any thread exists.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const auto start = std::chrono::steady_clock::now();
  ServerConfig config = load_config(options);
  set_up_server_log(std::move(sink), log_level(options, config));
  auto requests = startup_models(options, config);
  Server server(config);
  server.load(requests);
  const BoundPorts ports = server.start();
  // TorchServe's gRPC APIs (and KServe's v2 service) beside the HTTP listeners.
  std::optional<GrpcServer> grpc;
  GrpcPorts grpc_ports;
  if (config.enable_grpc) grpc_ports = grpc.emplace(server).start();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  const auto url = [](const Address& address, uint16_t port) {
    return (address.tls ? "https://" : "http://") + address.host + ":" + std::to_string(port);
  };
  std::string banner = "Inference API bound to " + url(config.inference, ports.inference) + "\n" +
                       "Management API bound to " + url(config.management, ports.management) + "\n";
  if (config.enable_metrics_api) banner += "Metrics API bound to " + url(config.metrics, ports.metrics) + "\n";
  if (grpc) {
    banner += "gRPC Inference API bound to " + config.grpc_inference.host + ":" + std::to_string(grpc_ports.inference) + "\n" +
              "gRPC Management API bound to " + config.grpc_management.host + ":" + std::to_string(grpc_ports.management) + "\n";
  }
  banner += "ocrserve started in " + std::to_string(ms) + " ms, serving " + std::to_string(server.registry().all().size()) + " model(s)\n";
  spdlog::info("ocrserve started in {} ms, serving {} model(s): inference {}:{}, management {}:{}{}", ms,
               server.registry().all().size(), config.inference.host, ports.inference, config.management.host, ports.management,
               config.enable_metrics_api ? ", metrics " + config.metrics.host + ":" + std::to_string(ports.metrics) : "");
  ready(banner);

  const int signal = wait_for_signal();
  const char* name = signal == SIGINT ? "SIGINT" : "SIGTERM";
  spdlog::info("received {}: draining (accepted requests get up to {} s)", name, config.default_response_timeout.count());
  const auto draining = std::chrono::steady_clock::now();
  if (grpc) {
    // New calls are refused from now on; those in flight get the same time as HTTP's, the
    // listeners stop once the HTTP side has drained the models.
    server.core().start_draining();
    const auto until = draining + config.default_response_timeout;
    while (grpc->in_flight() > 0 && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  server.drain(std::chrono::duration_cast<std::chrono::seconds>(
      std::max(std::chrono::steady_clock::duration(std::chrono::seconds(1)),
               draining + config.default_response_timeout - std::chrono::steady_clock::now())));
  if (grpc) grpc->stop(std::chrono::seconds(2));
  spdlog::info("ocrserve stopped ({}, drained in {} ms)", name,
               std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - draining).count());
  spdlog::default_logger()->flush();
}

void run_start(const StartOptions& options) {
  if (pid_t pid = running_pid()) {
    throw Error(ErrorKind::bad_input, "ocrserve is already running (pid " + std::to_string(pid) + "); run `ocrserve stop` first");
  }
  if (!options.log_level.empty() && !parse_log_level(options.log_level)) {
    throw Error(ErrorKind::bad_input, "--log-level " + options.log_level + ": expected trace, debug, info, warn, error, critical or off");
  }
  if (options.foreground) {
    {
      std::ofstream(pid_file()) << getpid() << "\n";
    }
    try {
      // The log goes to standard error, the banner (the bound ports) to standard output.
      serve(options, std::make_shared<spdlog::sinks::stderr_sink_mt>(),
            [](const std::string& banner) { std::cout << banner << std::flush; });
    } catch (...) {
      fs::remove(pid_file());
      throw;
    }
    fs::remove(pid_file());
    return;
  }
  // Background: the child serves; the parent returns once it answers, or reports why it failed.
  int channel[2];
  if (pipe(channel) != 0) throw Error(ErrorKind::internal, "cannot create a pipe");
  const pid_t child = fork();
  if (child < 0) throw Error(ErrorKind::internal, "cannot fork");
  if (child == 0) {
    close(channel[0]);
    setsid();
    const fs::path log = options.log_file.empty() ? fs::path("logs") / "ocrserve.log" : fs::path(options.log_file);
    std::error_code ignored;
    fs::create_directories(log.parent_path().empty() ? "." : log.parent_path(), ignored);
    spdlog::flush_every(std::chrono::seconds(1));
    // Let go of the caller's stdin, stdout and stderr (a terminal or a pipe): `ocrserve start | tee`
    // must end when start returns. Anything still printed goes to the log.
    detach_standard_streams(log);
    auto tell = [&](const std::string& text) {
      [[maybe_unused]] auto written = write(channel[1], text.data(), text.size());
    };
    // _exit skips destructors: the log is flushed first, so that its last line is there.
    try {
      std::ofstream(pid_file()) << getpid() << "\n";
      serve(options, std::make_shared<spdlog::sinks::basic_file_sink_mt>(log.string()), [&](const std::string& banner) {
        tell("OK" + banner);
        close(channel[1]);
      });
      fs::remove(pid_file(), ignored);
      spdlog::shutdown();
      _exit(0);
    } catch (const Error& e) {
      spdlog::error("ocrserve did not start: {}", e.what());
      tell("ER" + std::to_string(exit_code(e.kind())) + " " + e.what());
      fs::remove(pid_file(), ignored);
      spdlog::shutdown();
      _exit(exit_code(e.kind()));
    } catch (const std::exception& e) {
      spdlog::error("ocrserve did not start: {}", e.what());
      tell(std::string("ER1 ") + e.what());
      fs::remove(pid_file(), ignored);
      spdlog::shutdown();
      _exit(1);
    }
  }
  close(channel[1]);
  std::string message;
  char buffer[4096];
  ssize_t n;
  while ((n = read(channel[0], buffer, sizeof buffer)) > 0) message.append(buffer, static_cast<size_t>(n));
  close(channel[0]);
  if (message.rfind("OK", 0) == 0) {
    std::cout << message.substr(2) << "pid " << child << "; logs in "
              << (options.log_file.empty() ? "logs/ocrserve.log" : options.log_file) << "\n";
    return;
  }
  int status = 0;
  waitpid(child, &status, 0);
  if (message.rfind("ER", 0) == 0) {
    const size_t space = message.find(' ');
    const int code = std::atoi(message.substr(2, space - 2).c_str());
    std::cerr << "ocrserve: error: " << message.substr(space + 1) << "\n";
    std::exit(code);
  }
  throw Error(ErrorKind::internal, "the server process ended before it was ready");
}

void run_stop() {
  const pid_t pid = running_pid();
  if (!pid) {
    std::cout << "ocrserve is not running.\n";
    return;
  }
  kill(pid, SIGTERM);
  for (int i = 0; i < 1200 && process_alive(pid); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  if (process_alive(pid)) throw Error(ErrorKind::internal, "ocrserve (pid " + std::to_string(pid) + ") did not stop within 120 s");
  std::error_code ignored;
  fs::remove(pid_file(), ignored);
  std::cout << "ocrserve has stopped.\n";
}

}  // namespace

void add_server_commands(CLI::App& app) {
  auto options = std::make_shared<StartOptions>();
  CLI::App* start = app.add_subcommand("start", "Start the TorchServe-compatible model server");
  start->footer(
      "Starts the model server (TorchServe-compatible REST APIs: inference :8080, management :8081, metrics :8082). "
      "Without --models and --model-store it serves the default models det, rec and ocr (end-to-end); with --model-store alone it loads nothing (register models over the API). Runs in the background unless --foreground; "
      "SIGTERM (or `ocrserve stop`) finishes in-flight requests, then exits 0.");
  start->add_option("--model-store", options->model_store, "Folder of .mar archives and package folders");
  start->add_option("--models", options->models,
                    "Models to load: all, or [NAME=]FILE.mar / [NAME=]FOLDER (space- or comma-separated)");
  start->add_option("--ts-config", options->ts_config, "config.properties file (TS_CONFIG_FILE wins)")->check(CLI::ExistingFile);
  start->add_flag("--foreground", options->foreground, "Stay attached; log to the terminal");
  start->add_flag("--enable-model-api", options->enable_model_api, "Allow registering and unregistering models over the API");
  start->add_flag("--disable-token-auth,--dt", options->disable_token_auth, "Turn token authorization off");
  start->add_flag("--ncs,--no-config-snapshots", options->ncs, "Accepted for TorchServe compatibility (ocrserve never snapshots)");
  start->add_option("--workers", options->workers, "Workers per start-up model (default: default_workers_per_model, else 1)");
  start->add_option("--batch-size", options->batch_size, "Images per batch for start-up models (default 1)");
  start->add_option("--max-batch-delay", options->max_batch_delay, "Milliseconds to wait for a fuller batch (default 100)");
  add_precision_option(start, options->precision,
                       "The default models' precision: fp32, or int8 (the -int8 packages setup makes: about twice "
                       "as fast)");
  start->add_option("--log-file", options->log_file, "Log file in background mode (default logs/ocrserve.log)");
  start->add_option("--log-level", options->log_level,
                    "trace, debug, info, warn, error, critical or off (default: log_level in config.properties, else info)");
  start->callback([options] { run_start(*options); });

  CLI::App* stop = app.add_subcommand("stop", "Stop the server started by `ocrserve start`: in-flight requests finish first.");
  stop->callback([] { run_stop(); });
}

}  // namespace ocrserve
