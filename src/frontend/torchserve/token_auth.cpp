#include "frontend/torchserve/token_auth.hpp"

#include <sys/stat.h>

#include <ctime>
#include <fstream>
#include <random>

#include "core/json_file.hpp"
#include "ocrserve/error.hpp"

namespace ocrserve {
namespace {

// An instant as TorchServe writes it in the key file (Java's Instant.toString): UTC ISO 8601.
std::string instant(std::chrono::system_clock::time_point t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() % 1000;
  const size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + n, sizeof text - n, ".%03lldZ", static_cast<long long>(millis));
  return text;
}

}  // namespace

std::string TokenAuth::new_key() {
  // 128 random bits, URL-safe base64 without padding (TorchServe uses only 48 bits).
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::random_device random;
  std::string key;
  for (int i = 0; i < 22; ++i) key += alphabet[random() % 64];
  return key;
}

bool TokenAuth::equal(const std::string& a, const std::string& b) {
  // Constant time in the key's length, so timing does not reveal a matching prefix.
  unsigned char difference = a.size() != b.size();
  for (size_t i = 0; i < a.size(); ++i) difference |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  return difference == 0;
}

TokenAuth::~TokenAuth() {
  if (!enabled_) return;
  std::error_code ignored;
  std::filesystem::remove(file_, ignored);
}

void TokenAuth::enable(const std::filesystem::path& file, std::chrono::seconds expiration) {
  std::lock_guard lock(mutex_);
  enabled_ = true;
  file_ = file;
  expiration_ = expiration;
  const auto expires = std::chrono::system_clock::now() + expiration;
  inference_ = {new_key(), expires};
  management_ = {new_key(), expires};
  api_ = new_key();
  write();
}

Json TokenAuth::keys() const {
  return {{"management", {{"key", management_.value}, {"expiration time", instant(management_.expires)}}},
          {"inference", {{"key", inference_.value}, {"expiration time", instant(inference_.expires)}}},
          {"API", {{"key", api_}}}};
}

Json TokenAuth::describe() const {
  std::lock_guard lock(mutex_);
  return keys();
}

void TokenAuth::write() const {
  const mode_t previous = umask(077);
  std::ofstream out(file_, std::ios::trunc);
  out << keys().dump(2) << "\n";
  umask(previous);
  if (!out) throw Error(ErrorKind::internal, file_.string() + ": cannot write the key file");
  std::filesystem::permissions(file_, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

bool TokenAuth::check(const std::string& which, const std::string& authorization) const {
  if (!enabled_) return true;
  const std::string prefix = "Bearer ";
  if (authorization.rfind(prefix, 0) != 0) return false;
  std::string token = authorization.substr(prefix.size());
  token.erase(0, token.find_first_not_of(' '));
  std::lock_guard lock(mutex_);
  const Key& key = which == "management" ? management_ : inference_;
  return equal(token, key.value) && std::chrono::system_clock::now() < key.expires;
}

bool TokenAuth::rotate(const std::string& which, const std::string& authorization) {
  if (!enabled_) return false;
  const std::string prefix = "Bearer ";
  if (authorization.rfind(prefix, 0) != 0) return false;
  std::lock_guard lock(mutex_);
  std::string token = authorization.substr(prefix.size());
  token.erase(0, token.find_first_not_of(' '));
  if (!equal(token, api_)) return false;
  Key& key = which == "management" ? management_ : inference_;
  key = {new_key(), std::chrono::system_clock::now() + expiration_};
  write();
  return true;
}

}  // namespace ocrserve
