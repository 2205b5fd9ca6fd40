#pragma once
// Checking the errors a call raises.
#include <functional>
#include <string>

#include <gtest/gtest.h>

#include "ocrserve/error.hpp"

namespace ocrserve::test {

// Runs `action`, which must throw an ocrserve::Error, and returns it; a test failure if it does not.
inline Error error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "no ocrserve::Error thrown";
  return Error(ErrorKind::internal, "");
}

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace ocrserve::test
