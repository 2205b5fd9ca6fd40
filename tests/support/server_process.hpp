#pragma once
// Starts the real `ocrserve start --foreground` on free loopback ports and stops it with SIGTERM.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

namespace ocrserve::test {

class ServerProcess {
 public:
  // `config_lines` go into a config.properties; the listeners get port 0 (any free port).
  // Token authorization stays on (the server's default) only with `tokens`.
  ServerProcess(const std::vector<std::string>& args, const std::vector<std::string>& config_lines,
                const std::filesystem::path& dir, bool tokens = false,
                const std::vector<std::string>& extra_env = {}) {
    const auto config = dir / "config.properties";
    std::ofstream out(config);
    out << "inference_address=http://127.0.0.1:0\nmanagement_address=http://127.0.0.1:0\nmetrics_address=http://127.0.0.1:0\n"
           "grpc_inference_port=0\ngrpc_management_port=0\n";
    if (!tokens) out << "disable_token_authorization=true\n";
    for (const auto& line : config_lines) out << line << "\n";
    out.close();
    std::vector<std::string> all = {OCRSERVE_BINARY, "start", "--foreground", "--ts-config", config.string()};
    all.insert(all.end(), args.begin(), args.end());
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) return;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
    posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
    log_path_ = dir / "server.log";
    posix_spawn_file_actions_addopen(&actions, 2, log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    // The server works in `dir`: what it writes there (key_file.json) is the test's own.
    posix_spawn_file_actions_addchdir_np(&actions, dir.c_str());
    std::vector<char*> argv;
    for (auto& arg : all) argv.push_back(arg.data());
    argv.push_back(nullptr);
    // Each test server keeps its pid file apart, so servers of parallel tests do not collide.
    std::vector<std::string> env_strings = {"TMPDIR=" + dir.string()};
    env_strings.insert(env_strings.end(), extra_env.begin(), extra_env.end());
    for (char** e = environ; *e; ++e) {
      if (std::string(*e).rfind("TMPDIR=", 0) != 0) env_strings.push_back(*e);
    }
    std::vector<char*> envp;
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
    posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    close(pipe_fds[1]);
    output_fd_ = pipe_fds[0];
    read_banner();
  }

  ~ServerProcess() {
    stop();
    if (output_fd_ >= 0) close(output_fd_);
  }

  // SIGTERM, then the exit code (or 128 + signal).
  int stop() {
    if (pid_ <= 0) return exit_code_;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = 0;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return exit_code_;
  }

  // The exit code once it ended by itself (start-up failures), waiting up to `seconds`.
  int wait_exit(int seconds) {
    for (int i = 0; i < seconds * 10 && pid_ > 0; ++i) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = 0;
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      } else {
        usleep(100000);
      }
    }
    return exit_code_;
  }

  bool ready() const { return inference > 0; }
  pid_t pid() const { return pid_; }
  std::string log() const {
    std::ifstream in(log_path_);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }

  uint16_t inference = 0, management = 0, metrics = 0, grpc_inference = 0, grpc_management = 0;
  std::string banner;

 private:
  void read_banner() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    char buffer[4096];
    while (banner.find("ocrserve started") == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      pollfd fd{output_fd_, POLLIN, 0};
      if (poll(&fd, 1, 200) <= 0) continue;
      const ssize_t n = read(output_fd_, buffer, sizeof buffer);
      if (n <= 0) break;
      banner.append(buffer, static_cast<size_t>(n));
    }
    std::smatch match;
    if (std::regex_search(banner, match, std::regex("Inference API bound to https?://[^:]+:(\\d+)"))) inference = std::stoi(match[1]);
    if (std::regex_search(banner, match, std::regex("Management API bound to https?://[^:]+:(\\d+)"))) management = std::stoi(match[1]);
    if (std::regex_search(banner, match, std::regex("Metrics API bound to https?://[^:]+:(\\d+)"))) metrics = std::stoi(match[1]);
    if (std::regex_search(banner, match, std::regex("gRPC Inference API bound to [^\\n]*:(\\d+)"))) grpc_inference = std::stoi(match[1]);
    if (std::regex_search(banner, match, std::regex("gRPC Management API bound to [^\\n]*:(\\d+)"))) grpc_management = std::stoi(match[1]);
  }

  pid_t pid_ = 0;
  int output_fd_ = -1;
  int exit_code_ = -1;
  std::filesystem::path log_path_;
};

}  // namespace ocrserve::test
