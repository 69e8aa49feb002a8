#pragma once
// Internal to api/: standard base64 (RFC 4648 section 4, with '+' and '/'), for logon tokens,
// Basic credentials and the salts and hashes in a users file.

#include <optional>
#include <string>
#include <string_view>

namespace emarchive::api {

// Padded with '=' to a multiple of four characters.
std::string base64_encode(std::string_view bytes);

// The decoded bytes, or nullopt when `text` is not base64. Padding may be omitted (some clients
// drop it from Basic credentials); characters outside the alphabet, whitespace included, and
// padding anywhere but at the end are refused.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace emarchive::api
