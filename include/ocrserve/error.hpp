#pragma once
// The one error type of ocrserve. Its kind tells a frontend how to answer:
// an exit code for the CLI, an HTTP status for the server.
#include <stdexcept>
#include <string>

namespace ocrserve {

enum class ErrorKind {
  bad_input,    // the caller sent something wrong: an undecodable image, a malformed package
  not_found,    // a file, model or version that does not exist
  unsupported,  // valid, but not something we can do (unknown transform, backend, codec)
  overloaded,   // queue full, no worker: try again later
  internal,     // our fault or the backend's
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const noexcept { return kind_; }

 private:
  ErrorKind kind_;
};

const char* to_string(ErrorKind kind) noexcept;

// Process exit code for a CLI run that failed with this kind (documented in docs/cli.md).
int exit_code(ErrorKind kind) noexcept;

}  // namespace ocrserve
