#pragma once
// SHA-256, the digest revisions carry so that an archived document can be proved unchanged.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace emarchive::storage {

using Sha256 = std::array<std::uint8_t, 32>;

// The digest of `data`. Throws std::runtime_error only if OpenSSL itself fails (out of memory).
Sha256 sha256(std::string_view data);

// Lowercase hexadecimal, 64 characters.
std::string to_hex(const Sha256& digest);

}  // namespace emarchive::storage
