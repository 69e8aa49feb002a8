#include "api/users_file.h"

#include <charconv>
#include <fstream>
#include <sstream>
#include <vector>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "api/base64.h"

namespace emarchive::api {
namespace {

constexpr std::string_view kScheme = "pbkdf2-sha256";
constexpr std::size_t kHashBytes = 32;
constexpr std::size_t kSaltBytes = 16;

// PBKDF2-HMAC-SHA256; empty on failure (OpenSSL only fails on allocation).
std::string pbkdf2(std::string_view password, std::string_view salt, unsigned iterations) {
  std::string out(kHashBytes, '\0');
  const int ok =
      PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()),
                        static_cast<int>(salt.size()), static_cast<int>(iterations), EVP_sha256(),
                        static_cast<int>(out.size()), reinterpret_cast<unsigned char*>(out.data()));
  if (ok != 1) out.clear();
  return out;
}

std::string_view name_problem(std::string_view name) {
  if (name.empty()) return "empty user name";
  for (char c : name) {
    if (c == ':') return "user name contains ':'";
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      return "user name contains a control character";
    }
  }
  return {};
}

std::vector<std::string_view> split(std::string_view line, char separator) {
  std::vector<std::string_view> parts;
  for (;;) {
    const auto at = line.find(separator);
    parts.push_back(line.substr(0, at));
    if (at == std::string_view::npos) return parts;
    line.remove_prefix(at + 1);
  }
}

}  // namespace

Expected<UsersFile> UsersFile::load(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"cannot read users file " + path.string(), ErrorCode::io};
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Error{"cannot read users file " + path.string(), ErrorCode::io};
  return parse(text.str(), path.string());
}

Expected<UsersFile> UsersFile::parse(std::string_view text, std::string_view source) {
  UsersFile file;
  std::size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

    const auto first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') continue;

    auto fail = [&](std::string_view why) {
      return Error{
          std::string(source) + ":" + std::to_string(line_number) + ": " + std::string(why),
          ErrorCode::invalid_input};
    };
    const std::vector<std::string_view> parts = split(line, ':');
    if (parts.size() != 5) {
      return fail("expected name:pbkdf2-sha256:<iterations>:<salt base64>:<hash base64>");
    }
    if (auto problem = name_problem(parts[0]); !problem.empty()) return fail(problem);
    if (parts[1] != kScheme) {
      return fail("unknown hash scheme '" + std::string(parts[1]) + "' (expected pbkdf2-sha256)");
    }
    unsigned iterations = 0;
    const auto [ptr, ec] =
        std::from_chars(parts[2].data(), parts[2].data() + parts[2].size(), iterations);
    if (ec != std::errc() || ptr != parts[2].data() + parts[2].size() || parts[2].empty()) {
      return fail("iterations '" + std::string(parts[2]) + "' is not a number");
    }
    if (iterations < kMinPbkdf2Iterations) {
      return fail("iterations " + std::to_string(iterations) + " below the minimum " +
                  std::to_string(kMinPbkdf2Iterations));
    }
    if (iterations > kMaxPbkdf2Iterations) {
      return fail("iterations " + std::to_string(iterations) + " above the maximum " +
                  std::to_string(kMaxPbkdf2Iterations));
    }
    auto salt = base64_decode(parts[3]);
    if (!salt) return fail("salt is not base64");
    if (salt->size() < kSaltBytes) {
      return fail("salt has " + std::to_string(salt->size()) + " bytes, at least " +
                  std::to_string(kSaltBytes) + " needed");
    }
    auto hash = base64_decode(parts[4]);
    if (!hash) return fail("hash is not base64");
    if (hash->size() != kHashBytes) {
      return fail("hash has " + std::to_string(hash->size()) + " bytes, expected " +
                  std::to_string(kHashBytes));
    }
    const auto [it, inserted] = file.users_.try_emplace(
        std::string(parts[0]), Entry{iterations, std::move(*salt), std::move(*hash)});
    if (!inserted) return fail("user '" + std::string(parts[0]) + "' listed twice");
  }
  if (file.users_.empty())
    return Error{std::string(source) + ": no users", ErrorCode::invalid_input};
  return file;
}

bool UsersFile::verify(std::string_view user, std::string_view password) const {
  const auto it = users_.find(user);
  if (it == users_.end()) {
    // Same work as for a real user, with the cost of the first entry, then refuse.
    const Entry& any = users_.begin()->second;
    pbkdf2(password, any.salt, any.iterations);
    return false;
  }
  const Entry& entry = it->second;
  const std::string computed = pbkdf2(password, entry.salt, entry.iterations);
  return computed.size() == entry.hash.size() &&
         CRYPTO_memcmp(computed.data(), entry.hash.data(), computed.size()) == 0;
}

Expected<std::string> make_users_line(std::string_view user, std::string_view password,
                                      unsigned iterations) {
  if (auto problem = name_problem(user); !problem.empty())
    return Error{std::string(problem), ErrorCode::invalid_input};
  if (iterations < kMinPbkdf2Iterations || iterations > kMaxPbkdf2Iterations) {
    return Error{"iterations must be between " + std::to_string(kMinPbkdf2Iterations) + " and " +
                     std::to_string(kMaxPbkdf2Iterations),
                 ErrorCode::invalid_input};
  }
  std::string salt(kSaltBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), static_cast<int>(salt.size())) !=
      1) {
    return Error{"cannot generate a random salt (OpenSSL RAND_bytes failed)"};
  }
  const std::string hash = pbkdf2(password, salt, iterations);
  if (hash.empty()) return Error{"cannot compute the password hash (OpenSSL PBKDF2 failed)"};
  return std::string(user) + ":" + std::string(kScheme) + ":" + std::to_string(iterations) + ":" +
         base64_encode(salt) + ":" + base64_encode(hash);
}

std::vector<std::string> UsersFile::names() const {
  std::vector<std::string> names;
  names.reserve(users_.size());
  for (const auto& [name, entry] : users_) names.push_back(name);
  return names;
}

}  // namespace emarchive::api
