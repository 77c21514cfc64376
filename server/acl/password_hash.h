// Password storage for ACL users: only the SHA-256 of a password is kept, as 64 lower-case hex
// digits (the form Redis shows in ACL LIST / GETUSER and accepts as `#<hash>`). Uses OpenSSL's
// libcrypto.
#ifndef KIZUNA_SERVER_ACL_PASSWORD_HASH_H_
#define KIZUNA_SERVER_ACL_PASSWORD_HASH_H_

#include <string>
#include <string_view>

namespace kizuna::server {

inline constexpr size_t kPasswordHashLen = 64;

// SHA-256 of `password`, 64 lower-case hex digits.
std::string HashPassword(std::string_view password);

// True for exactly 64 lower-case hex digits (what `#<hash>` and `!<hash>` accept).
bool ValidPasswordHash(std::string_view hex);

// Compares two hashes of equal length in time independent of where they differ, so a client
// cannot learn a stored hash byte by byte from reply timing.
bool HashesEqual(std::string_view a, std::string_view b);

// `bytes` random bytes from OpenSSL's generator as lower-case hex (ACL GENPASS).
std::string RandomHexBytes(size_t bytes);

}  // namespace kizuna::server

#endif  // KIZUNA_SERVER_ACL_PASSWORD_HASH_H_
