#include "frontend/http/tls_context.hpp"

#include <fstream>
#include <iterator>
#include <string>

#include <boost/asio/ssl/context.hpp>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "ocrserve/error.hpp"

namespace ocrserve {
namespace {

namespace fs = std::filesystem;

// The text of a PEM file; Error(bad_input) naming `key` when it is missing or unreadable.
std::string read_pem(const fs::path& file, const std::string& key) {
  const std::string named = key + "=" + file.string();
  std::error_code error;
  if (!fs::exists(file, error)) throw Error(ErrorKind::bad_input, named + ": no such file");
  if (!fs::is_regular_file(file, error)) throw Error(ErrorKind::bad_input, named + ": not a file");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(ErrorKind::bad_input, named + ": cannot be read (permissions?)");
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// OpenSSL's reason for the last failure, and an empty queue for whatever runs next.
std::string openssl_reason() {
  const unsigned long code = ERR_peek_last_error();
  const char* reason = code ? ERR_reason_error_string(code) : nullptr;
  ERR_clear_error();
  return reason ? reason : "unknown OpenSSL error";
}

// An encrypted key makes OpenSSL ask for its passphrase on the terminal: answer nothing, so
// that loading fails with a message instead of a server waiting for input at start-up.
int no_passphrase(char*, int, int, void*) { return 0; }

struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};

}  // namespace

TlsContext::TlsContext() : context_(std::make_unique<boost::asio::ssl::context>(boost::asio::ssl::context::tls_server)) {}
TlsContext::~TlsContext() = default;

std::shared_ptr<const TlsContext> TlsContext::load(const fs::path& certificate_file, const fs::path& private_key_file) {
  read_pem(certificate_file, "certificate_file");  // OpenSSL reads it; this names what is missing
  const std::string key_text = read_pem(private_key_file, "private_key_file");
  std::shared_ptr<TlsContext> tls(new TlsContext());
  SSL_CTX* context = tls->context_->native_handle();
  SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
  SSL_CTX_set_options(context, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_default_passwd_cb(context, no_passphrase);

  const std::string certificate_named = "certificate_file=" + certificate_file.string();
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(context, certificate_file.c_str()) != 1) {
    throw Error(ErrorKind::bad_input, certificate_named + ": not a PEM certificate (chain) (" + openssl_reason() + ")");
  }

  const std::string key_named = "private_key_file=" + private_key_file.string();
  if (key_text.find("ENCRYPTED") != std::string::npos) {
    throw Error(ErrorKind::bad_input, key_named + ": the key is encrypted; ocrserve reads unencrypted keys (keep the file "
                                      "readable by the server only): openssl pkey -in " + private_key_file.string() +
                                      " -out key.pem");
  }
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(key_text.data(), static_cast<int>(key_text.size())));
  std::unique_ptr<EVP_PKEY, KeyFree> key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr) : nullptr);
  if (!key) {
    throw Error(ErrorKind::bad_input, key_named + ": not a PEM private key (PKCS#8 or OpenSSL's) (" + openssl_reason() + ")");
  }
  if (SSL_CTX_use_PrivateKey(context, key.get()) != 1 || SSL_CTX_check_private_key(context) != 1) {
    const std::string reason = openssl_reason();
    throw Error(ErrorKind::bad_input, key_named + " is not the key of " + certificate_named + " (" + reason + ")");
  }
  return tls;
}

}  // namespace ocrserve
