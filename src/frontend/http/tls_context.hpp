#pragma once
// A server's certificate chain and private key (PEM files, as TorchServe's private_key_file and
// certificate_file), loaded once for all TLS listeners. TLS 1.2 and later only.
#include <filesystem>
#include <memory>

namespace boost::asio::ssl {
class context;
}

namespace ocrserve {

class TlsContext {
 public:
  // Error(bad_input) naming the file when it cannot be read, holds no PEM certificate or
  // (unencrypted) key, or when the key is not the certificate's.
  static std::shared_ptr<const TlsContext> load(const std::filesystem::path& certificate_file,
                                                const std::filesystem::path& private_key_file);
  ~TlsContext();

  // OpenSSL makes a connection's state from the context without changing it: one context
  // serves all I/O threads.
  boost::asio::ssl::context& context() const { return *context_; }

 private:
  TlsContext();
  std::unique_ptr<boost::asio::ssl::context> context_;
};

}  // namespace ocrserve
