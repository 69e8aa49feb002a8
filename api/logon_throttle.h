#pragma once
// Internal to api/: failed logons counted per client address and per user name, so that no one
// can guess passwords at the speed of the machine (LogonLimits in auth.h has the policy).

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace emarchive::api {

// Not thread-safe: the Authenticator calls it under its lock.
class LogonThrottle {
 public:
  // Memory stays bounded whatever names and addresses are tried: past this many counted keys,
  // windows that have ended are forgotten, and if none has, a new key goes uncounted (the other
  // kind of key, address or user, still limits it).
  static constexpr std::size_t kMaxKeys = 100000;

  LogonThrottle(unsigned failures_allowed, std::chrono::seconds window);

  // How long until a logon from `address` as `user` may be tried, or nullopt when it may now.
  std::optional<std::chrono::seconds> wait(std::string_view address, std::string_view user,
                                           std::chrono::steady_clock::time_point now);
  // Counts a wrong password from `address` for `user`.
  void failed(std::string_view address, std::string_view user,
              std::chrono::steady_clock::time_point now);

 private:
  struct Window {
    std::chrono::steady_clock::time_point start;
    unsigned failures = 0;
  };
  using Windows = std::unordered_map<std::string, Window>;

  std::optional<std::chrono::seconds> wait(Windows& windows, std::string_view key,
                                           std::chrono::steady_clock::time_point now);
  void failed(Windows& windows, std::string_view key, std::chrono::steady_clock::time_point now);

  const unsigned failures_allowed_;
  const std::chrono::seconds window_;
  Windows by_address_;
  Windows by_user_;
};

}  // namespace emarchive::api
