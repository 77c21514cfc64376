#include "server/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/ssl/context.hpp>
#include <cerrno>
#include <cstring>
#include <vector>

#include "server/config.h"
#include "store/strings.h"

namespace kizuna::server {

namespace ssl = boost::asio::ssl;

namespace {

struct ProtocolName {
  std::string_view name;  // lower case, as compared
  long disable_option;    // SSL_OP_NO_* that turns it off
};

constexpr ProtocolName kProtocols[] = {
    {"tlsv1", SSL_OP_NO_TLSv1},
    {"tlsv1.1", SSL_OP_NO_TLSv1_1},
    {"tlsv1.2", SSL_OP_NO_TLSv1_2},
    {"tlsv1.3", SSL_OP_NO_TLSv1_3},
};

// Options that disable every protocol not named in `value` (validated already).
long DisabledProtocols(std::string_view value) {
  long disabled = 0;
  std::string lower = AsciiLower(value.empty() ? "TLSv1.2 TLSv1.3" : value);
  std::vector<std::string_view> wanted = SplitNonEmpty(lower, ' ');
  for (const ProtocolName& p : kProtocols) {
    if (std::find(wanted.begin(), wanted.end(), p.name) == wanted.end()) {
      disabled |= p.disable_option;
    }
  }
  return disabled;
}

// The reason OpenSSL gave for the last failure, or the errno text for an unreadable file
// (OpenSSL's "system lib" says less than "No such file or directory").
std::string FileError(const std::string& path, const boost::system::error_code& ec) {
  if (access(path.c_str(), R_OK) != 0) return std::strerror(errno);
  return ec.message();
}

// Loads one file with `load` (a context member taking path and error_code); false with a
// message "<setting> <path>: <reason>".
template <typename Load>
bool LoadFile(std::string_view setting, const std::string& path, Load load, std::string* error) {
  boost::system::error_code ec;
  load(path, ec);
  if (!ec) return true;
  *error = StrCat("Failed to load ", setting, " ", path, ": ", FileError(path, ec));
  ERR_clear_error();
  return false;
}

}  // namespace

bool ValidateTlsProtocols(std::string_view value, std::string* error) {
  std::string lower = AsciiLower(value);
  std::vector<std::string_view> names = SplitNonEmpty(lower, ' ');
  bool ok = true;  // empty: the default
  for (std::string_view n : names) {
    ok = ok && std::any_of(std::begin(kProtocols), std::end(kProtocols),
                           [n](const ProtocolName& p) { return p.name == n; });
  }
  if (!ok) *error = "argument must be one or more of TLSv1, TLSv1.1, TLSv1.2, TLSv1.3";
  return ok;
}

int TlsVerifyMode(std::string_view auth_clients) {
  if (auth_clients == "no") return SSL_VERIFY_NONE;
  if (auth_clients == "optional") return SSL_VERIFY_PEER;
  return SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
}

std::unique_ptr<ssl::context> MakeTlsContext(const Config& config, std::string* error) {
  if (config.tls_cert_file.empty() || config.tls_key_file.empty() ||
      config.tls_ca_cert_file.empty()) {
    // As Redis: the CA is needed even with tls-auth-clients no, which may be changed later.
    *error = "tls-port needs tls-cert-file, tls-key-file and tls-ca-cert-file";
    return nullptr;
  }
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_options(native, SSL_OP_NO_SSLv2 | SSL_OP_NO_SSLv3 | SSL_OP_NO_COMPRESSION |
                                  SSL_OP_CIPHER_SERVER_PREFERENCE |
                                  DisabledProtocols(config.tls_protocols));
  // Session resumption with client certificates needs an id context, or OpenSSL refuses
  // resumed sessions.
  static constexpr unsigned char kSessionContext[] = "kizuna";
  SSL_CTX_set_session_id_context(native, kSessionContext, sizeof(kSessionContext) - 1);
  bool ok =
      LoadFile(
          "tls-cert-file", config.tls_cert_file,
          [&](const std::string& p, auto& ec) { ctx->use_certificate_chain_file(p, ec); }, error) &&
      LoadFile(
          "tls-key-file", config.tls_key_file,
          [&](const std::string& p, auto& ec) {
            ctx->use_private_key_file(p, ssl::context::pem, ec);
          },
          error) &&
      LoadFile(
          "tls-ca-cert-file", config.tls_ca_cert_file,
          [&](const std::string& p, auto& ec) { ctx->load_verify_file(p, ec); }, error);
  // (A key that does not belong to the certificate fails to load: "key values mismatch".)
  if (!ok) return nullptr;
  // Lists the CA in the certificate request, so clients pick the right certificate.
  if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(config.tls_ca_cert_file.c_str())) {
    SSL_CTX_set_client_CA_list(native, names);
  }
  if (!config.tls_ciphers.empty() &&
      SSL_CTX_set_cipher_list(native, config.tls_ciphers.c_str()) != 1) {
    *error = StrCat("tls-ciphers '", config.tls_ciphers, "': no usable cipher");
    ERR_clear_error();
    return nullptr;
  }
  if (!config.tls_ciphersuites.empty() &&
      SSL_CTX_set_ciphersuites(native, config.tls_ciphersuites.c_str()) != 1) {
    *error = StrCat("tls-ciphersuites '", config.tls_ciphersuites, "': no usable ciphersuite");
    ERR_clear_error();
    return nullptr;
  }
  return ctx;
}

}  // namespace kizuna::server
