#include "api/logon_throttle.h"

#include <algorithm>

namespace emarchive::api {

LogonThrottle::LogonThrottle(unsigned failures_allowed, std::chrono::seconds window)
    : failures_allowed_(failures_allowed), window_(window) {}

std::optional<std::chrono::seconds> LogonThrottle::wait(std::string_view address,
                                                        std::string_view user,
                                                        std::chrono::steady_clock::time_point now) {
  const auto by_address = wait(by_address_, address, now);
  const auto by_user = wait(by_user_, user, now);
  if (!by_address) return by_user;
  if (!by_user) return by_address;
  return std::max(*by_address, *by_user);
}

void LogonThrottle::failed(std::string_view address, std::string_view user,
                           std::chrono::steady_clock::time_point now) {
  failed(by_address_, address, now);
  failed(by_user_, user, now);
}

std::optional<std::chrono::seconds> LogonThrottle::wait(Windows& windows, std::string_view key,
                                                        std::chrono::steady_clock::time_point now) {
  const auto it = windows.find(std::string(key));
  if (it == windows.end()) return std::nullopt;
  const auto end = it->second.start + window_;
  if (now >= end) {
    windows.erase(it);
    return std::nullopt;
  }
  if (it->second.failures < failures_allowed_) return std::nullopt;
  // Rounded up: a client that waits as long as it is told is let in.
  return std::chrono::ceil<std::chrono::seconds>(end - now);
}

void LogonThrottle::failed(Windows& windows, std::string_view key,
                           std::chrono::steady_clock::time_point now) {
  auto it = windows.find(std::string(key));
  if (it != windows.end() && now >= it->second.start + window_) {
    windows.erase(it);
    it = windows.end();
  }
  if (it == windows.end()) {
    if (windows.size() >= kMaxKeys) {
      std::erase_if(windows, [&](const auto& item) { return now >= item.second.start + window_; });
      if (windows.size() >= kMaxKeys) return;
    }
    it = windows.emplace(std::string(key), Window{now, 0}).first;
  }
  ++it->second.failures;
}

}  // namespace emarchive::api
