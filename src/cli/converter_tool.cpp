#include "cli/converter_tool.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "ocrserve/error.hpp"

#ifndef OCRSERVE_CONVERT_DIR
#define OCRSERVE_CONVERT_DIR "tools/convert"
#endif

namespace ocrserve {

namespace fs = std::filesystem;

std::string python_interpreter() {
  if (const char* chosen = std::getenv("OCRSERVE_PYTHON"); chosen && *chosen) return chosen;
  if (fs::exists("/usr/bin/python3")) return "/usr/bin/python3";
  return "python3";
}

fs::path converter_dir() {
  if (const char* chosen = std::getenv("OCRSERVE_CONVERT_DIR"); chosen && *chosen) return chosen;
  std::error_code error;
  const fs::path installed = fs::read_symlink("/proc/self/exe", error).parent_path() / "../share/ocrserve/convert";
  if (!error && fs::is_directory(installed, error)) return installed.lexically_normal();
  return OCRSERVE_CONVERT_DIR;
}

int run_converter(const std::vector<std::string>& args, bool quiet, const fs::path& standard_output) {
  const pid_t child = fork();
  if (child < 0) throw Error(ErrorKind::internal, "cannot fork");
  if (child == 0) {
    const char* old_path = std::getenv("PYTHONPATH");
    const std::string path = converter_dir().string() + (old_path && *old_path ? std::string(":") + old_path : "");
    setenv("PYTHONPATH", path.c_str(), 1);
    if (quiet) {
      if (FILE* null = std::freopen("/dev/null", "w", stderr)) (void)null;
      if (FILE* null = std::freopen("/dev/null", "w", stdout)) (void)null;
    } else if (!standard_output.empty() && !std::freopen(standard_output.c_str(), "w", stdout)) {
      _exit(127);
    }
    std::vector<char*> argv;
    for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(child, &status, 0) < 0) {
  }
  if (!WIFEXITED(status)) return -1;
  return WEXITSTATUS(status) == 127 ? -1 : WEXITSTATUS(status);
}

void check_converter_status(int status, const std::string& refused, const std::string& failed, const Error& missing) {
  // The converter exits with 4 when a module cannot be imported; it checks its arguments (2)
  // first, so that a mistake is reported in a blink, not after PyTorch's seconds-long import.
  constexpr int kMissingDependencies = 4;
  switch (status) {
    case 0: return;
    case 2: throw Error(ErrorKind::bad_input, refused + " (see the message above)");
    case -1:
    case kMissingDependencies: throw missing;
    default: throw Error(ErrorKind::internal, failed + " (see the message above)");
  }
}

}  // namespace ocrserve
