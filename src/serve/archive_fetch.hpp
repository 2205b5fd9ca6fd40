#pragma once
// Registration from a URL, as TorchServe does it: the archive that a file://, http:// or https://
// URL names is copied into the model store under its own file name, then loaded from there.
// Bounded in size and time; never overwrites; redirects are not followed (each hop would need its
// own allowed_urls check); https checks the server's certificate against the system's trusted
// ones (or SSL_CERT_FILE's) and its host name.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include "ocrserve/error.hpp"

namespace ocrserve {

// A URL that could not be fetched (TorchServe's DownloadArchiveException, 400); the cause is in
// `cause()` and the log, the message is TorchServe's.
class DownloadError : public Error {
 public:
  DownloadError(const std::string& url, std::string cause)
      : Error(ErrorKind::bad_input, "Failed to download model from: " + url), cause_(std::move(cause)) {}
  const std::string& cause() const { return cause_; }

 private:
  std::string cause_;
};

struct FetchLimits {
  uint64_t max_bytes = 4ULL << 30;           // an archive larger than this is refused
  std::chrono::seconds timeout{600};         // for the whole download
  std::chrono::seconds idle{30};             // for connecting and for any one read or write
};

// The store path the URL's archive was copied to. DownloadError when it cannot be fetched;
// Error(internal, "Model file already exists …") when the store already holds that file name;
// Error(not_found) for a URL whose host is link-local (cloud metadata endpoints).
std::filesystem::path fetch_into_store(const std::string& url, const std::filesystem::path& store,
                                       const FetchLimits& limits = {});

}  // namespace ocrserve
