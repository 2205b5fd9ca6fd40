#pragma once
// TorchServe's token authorisation: key_file.json with "management", "inference" and "API"
// keys, checked from "Authorization: Bearer <key>". On unless turned off, as in TorchServe 0.11.1+
// (docs/serving.md).
#include <chrono>
#include <filesystem>
#include <mutex>
#include <string>

#include "core/json_file.hpp"

namespace ocrserve {

class TokenAuth {
 public:
  TokenAuth() = default;
  // The keys end with the server: the key file is removed (TorchServe's --stop deletes it).
  ~TokenAuth();
  TokenAuth(const TokenAuth&) = delete;
  TokenAuth& operator=(const TokenAuth&) = delete;
  // Generates the keys and writes `file` with mode 0600.
  void enable(const std::filesystem::path& file, std::chrono::seconds expiration);
  bool enabled() const { return enabled_; }
  // True when the request's Authorization header carries the key of `which`
  // ("inference" or "management") and it has not expired. Always true when disabled.
  bool check(const std::string& which, const std::string& authorization) const;
  // Regenerates the key of `which` and rewrites the key file; needs the API key.
  bool rotate(const std::string& which, const std::string& authorization);
  // The key file's content.
  Json describe() const;

 private:
  struct Key {
    std::string value;
    std::chrono::system_clock::time_point expires;
  };
  void write() const;
  Json keys() const;  // with mutex_ held
  static std::string new_key();
  static bool equal(const std::string& a, const std::string& b);

  bool enabled_ = false;
  std::filesystem::path file_;
  std::chrono::seconds expiration_{60};
  mutable std::mutex mutex_;
  Key inference_, management_;
  std::string api_;
};

}  // namespace ocrserve
