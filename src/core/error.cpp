#include "ocrserve/error.hpp"

namespace ocrserve {

const char* to_string(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::bad_input: return "bad_input";
    case ErrorKind::not_found: return "not_found";
    case ErrorKind::unsupported: return "unsupported";
    case ErrorKind::overloaded: return "overloaded";
    case ErrorKind::internal: return "internal";
  }
  return "internal";
}

int exit_code(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::bad_input: return 3;
    case ErrorKind::not_found: return 4;
    case ErrorKind::unsupported: return 5;
    case ErrorKind::overloaded: return 6;
    case ErrorKind::internal: return 1;
  }
  return 1;
}

}  // namespace ocrserve
