// TLS settings: the OpenSSL server context of the tls-port, built once at start-up from the
// tls-* settings, and the per-connection choices read from the live config.
//
// Only server/session.cc and server/server.cc see Boost.Asio SSL; everything else uses the
// forward declaration below, so OpenSSL headers stay out of the rest of the server.
#ifndef KIZUNA_SERVER_TLS_CONTEXT_H_
#define KIZUNA_SERVER_TLS_CONTEXT_H_

#include <memory>
#include <string>
#include <string_view>

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

namespace kizuna::server {

struct Config;

// An idle TCP connect to the TLS port is closed when its handshake has not finished after
// this long (server clock), so it cannot hold a client slot.
inline constexpr int64_t kTlsHandshakeTimeoutMs = 10 * 1000;

// Loads certificate, key and CA, applies tls-protocols / tls-ciphers / tls-ciphersuites.
// Returns nullptr with a message naming the setting and file in `error`.
std::unique_ptr<boost::asio::ssl::context> MakeTlsContext(const Config& config, std::string* error);

// OpenSSL verify mode for tls-auth-clients: no = none, optional = verify a certificate if
// one is sent, yes = require one.
int TlsVerifyMode(std::string_view auth_clients);

// Config validator of tls-protocols: space-separated TLSv1, TLSv1.1, TLSv1.2, TLSv1.3, or
// empty for TLSv1.2 and TLSv1.3.
bool ValidateTlsProtocols(std::string_view value, std::string* error);

}  // namespace kizuna::server

#endif  // KIZUNA_SERVER_TLS_CONTEXT_H_
