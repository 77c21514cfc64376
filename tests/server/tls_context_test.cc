#include "server/tls_context.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>

#include "server/config.h"

namespace kizuna::server {
namespace {

TEST(TlsProtocols, AcceptsKnownVersionsInAnyCaseAndEmpty) {
  std::string err;
  EXPECT_TRUE(ValidateTlsProtocols("TLSv1.2 TLSv1.3", &err));
  EXPECT_TRUE(ValidateTlsProtocols("tlsv1.3", &err));
  EXPECT_TRUE(ValidateTlsProtocols("", &err));  // the default: TLSv1.2 and TLSv1.3
  EXPECT_FALSE(ValidateTlsProtocols("TLSv1.4", &err));
  EXPECT_FALSE(ValidateTlsProtocols("TLSv1.2,TLSv1.3", &err));
  EXPECT_FALSE(ValidateTlsProtocols("SSLv3", &err));
  EXPECT_NE(err.find("TLSv1.3"), std::string::npos);
}

TEST(TlsProtocols, ConfigRejectsBadValueAndKeepsTheOldOne) {
  Config c;
  std::string err;
  ASSERT_TRUE(FindConfigParam("tls-protocols")->Set(c, "TLSv1.3", &err));
  EXPECT_FALSE(FindConfigParam("tls-protocols")->Set(c, "TLSv9", &err));
  EXPECT_EQ(c.tls_protocols, "TLSv1.3");
  EXPECT_FALSE(FindConfigParam("tls-auth-clients")->Set(c, "maybe", &err));
  EXPECT_EQ(err, "argument(s) must be one of the following: no, yes, optional");  // as Redis
  EXPECT_EQ(c.tls_auth_clients, "yes");
}

TEST(TlsVerifyMode, FollowsTlsAuthClients) {
  EXPECT_EQ(TlsVerifyMode("no"), SSL_VERIFY_NONE);
  EXPECT_EQ(TlsVerifyMode("optional"), SSL_VERIFY_PEER);
  EXPECT_EQ(TlsVerifyMode("yes"), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT);
}

TEST(MakeTlsContext, NamesTheMissingSettingOrFile) {
  Config c;
  std::string err;
  EXPECT_EQ(MakeTlsContext(c, &err), nullptr);
  EXPECT_EQ(err, "tls-port needs tls-cert-file, tls-key-file and tls-ca-cert-file");
  c.tls_cert_file = "/nonexistent/server.crt";
  c.tls_key_file = "/nonexistent/server.key";
  c.tls_ca_cert_file = "/nonexistent/ca.crt";
  EXPECT_EQ(MakeTlsContext(c, &err), nullptr);
  EXPECT_EQ(err, "Failed to load tls-cert-file /nonexistent/server.crt: No such file or directory");
}

}  // namespace
}  // namespace kizuna::server
