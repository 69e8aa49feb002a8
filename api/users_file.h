#pragma once
// The users file behind `serve --users FILE`: who may log on, with salted password hashes.
//
// One line per user:
//   name:pbkdf2-sha256:<iterations>:<salt base64>:<hash base64>
// where hash = PBKDF2-HMAC-SHA256(password, salt, iterations, 32 bytes). Lines starting with '#'
// (after optional blanks) and blank lines are ignored. Names are matched exactly (EM's Windows
// accounts are case-insensitive, but a file of hashes has no domain to ask).

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "model/expected.h"

namespace emarchive::api {

// OWASP's 2023 floor for PBKDF2-HMAC-SHA256. A line with fewer is refused rather than silently
// accepted, since a weak hash in the file is a problem for whoever steals the file.
inline constexpr unsigned kMinPbkdf2Iterations = 200000;
// Far above any sensible setting; bounds the CPU one logon can cost.
inline constexpr unsigned kMaxPbkdf2Iterations = 100000000;

class UsersFile {
 public:
  // Reads and parses `path`. Errors name the file and, for content errors, the 1-based line:
  // "users.txt:3: iterations 1000 below the minimum 200000".
  static Expected<UsersFile> load(const std::filesystem::path& path);
  // The same for text already read; `source` names it in errors.
  static Expected<UsersFile> parse(std::string_view text, std::string_view source);

  // Whether `password` is `user`'s. Costs one PBKDF2 run even for an unknown user, so that the
  // time taken does not tell which names exist; compares in constant time. Thread-safe (const).
  bool verify(std::string_view user, std::string_view password) const;

  std::size_t size() const { return users_.size(); }
  // The user names, sorted.
  std::vector<std::string> names() const;

 private:
  UsersFile() = default;  // only parse() makes one, never empty

  struct Entry {
    unsigned iterations = 0;
    std::string salt;
    std::string hash;
  };
  std::map<std::string, Entry, std::less<>> users_;
};

// A users-file line for `user` with a fresh 16-byte random salt (OpenSSL RAND_bytes). Fails for
// a name that cannot be written in the file (empty, with ':' or a control character), fewer than
// kMinPbkdf2Iterations, or when the random generator fails. The password is not kept anywhere.
Expected<std::string> make_users_line(std::string_view user, std::string_view password,
                                      unsigned iterations = 600000);

}  // namespace emarchive::api
