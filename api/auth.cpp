#include "api/auth.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <tuple>

#include <openssl/rand.h>
#include <boost/beast/core/string.hpp>

#include "api/base64.h"
#include "model/xml_chars.h"

namespace emarchive::api {
namespace {

namespace http = boost::beast::http;

std::optional<std::string> random_bytes(std::size_t n) {
  std::string bytes(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(n)) != 1) {
    return std::nullopt;
  }
  return bytes;
}

// A version 4 GUID in EM's lowercase 8-4-4-4-12 form.
std::string format_guid(std::string bytes) {
  bytes[6] = static_cast<char>((bytes[6] & 0x0F) | 0x40);
  bytes[8] = static_cast<char>((bytes[8] & 0x3F) | 0x80);
  std::string out;
  for (std::size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    std::array<char, 3> hex{};
    std::snprintf(hex.data(), hex.size(), "%02x", static_cast<unsigned char>(bytes[i]));
    out += hex.data();
  }
  return out;
}

struct Credentials {
  std::string user;
  std::string password;
};

// "Basic base64(user:password)"; the scheme name is case-insensitive (RFC 7617).
std::optional<Credentials> parse_basic(std::string_view header) {
  constexpr std::string_view kBasic = "basic ";
  if (header.size() <= kBasic.size() ||
      !boost::beast::iequals(header.substr(0, kBasic.size()), kBasic)) {
    return std::nullopt;
  }
  header.remove_prefix(kBasic.size());
  while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
  while (!header.empty() && header.back() == ' ') header.remove_suffix(1);
  auto decoded = base64_decode(header);
  if (!decoded) return std::nullopt;
  const auto colon = decoded->find(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  return Credentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

}  // namespace

Authenticator::Authenticator(std::optional<UsersFile> users, SteadyClock clock, bool require_token,
                             LogonLimits limits)
    : users_(std::move(users)),
      clock_(std::move(clock)),
      require_token_(require_token),
      limits_(limits),
      throttle_(limits.failures_allowed, limits.failure_window) {}

bool Authenticator::expired(const Entry& entry, std::chrono::steady_clock::time_point now) const {
  return now - entry.last_used >= limits_.idle_timeout;
}

void Authenticator::sweep_expired(std::chrono::steady_clock::time_point now) {
  std::erase_if(by_token_, [&](const auto& item) { return expired(item.second, now); });
}

template <class Belongs>
void Authenticator::evict_least_recently_used(Belongs belongs, std::size_t limit) {
  limit = std::max<std::size_t>(limit, 1);
  for (;;) {
    std::size_t count = 0;
    auto oldest = by_token_.end();
    for (auto it = by_token_.begin(); it != by_token_.end(); ++it) {
      if (!belongs(it->second)) continue;
      ++count;
      if (oldest == by_token_.end() ||
          std::tie(it->second.last_used, it->second.sequence) <
              std::tie(oldest->second.last_used, oldest->second.sequence)) {
        oldest = it;
      }
    }
    if (count < limit) return;
    by_token_.erase(oldest);
  }
}

std::optional<Denial> Authenticator::verify(std::string_view user, std::string_view password,
                                            std::string_view client_address) {
  if (!users_) return std::nullopt;
  {
    std::lock_guard lock(mutex_);
    if (auto wait = throttle_.wait(client_address, user, clock_())) {
      return Denial{http::status::too_many_requests,
                    "too many failed logons from this address or for this user; retry in " +
                        std::to_string(wait->count()) + " s",
                    *wait};
    }
  }
  // Outside the lock: PBKDF2 takes tens of milliseconds by design.
  if (!users_->verify(user, password)) {
    std::lock_guard lock(mutex_);
    throttle_.failed(client_address, user, clock_());
    return Denial{http::status::unauthorized, "wrong user name or password"};
  }
  return std::nullopt;
}

std::optional<Denial> Authenticator::check_credentials(std::string_view authorization,
                                                       std::string_view client_address) {
  const auto credentials = parse_basic(authorization);
  if (!credentials) {
    return Denial{http::status::unauthorized, "no Basic credentials in the Authorization header"};
  }
  return verify(credentials->user, credentials->password, client_address);
}

std::variant<Logon, Denial> Authenticator::logon(std::string_view authorization,
                                                 std::string_view client_address) {
  auto credentials = parse_basic(authorization);
  if (!credentials) {
    return Denial{http::status::unauthorized,
                  "logon needs an Authorization header with Basic credentials"};
  }
  // The name is written into the LogonSession document: one XML cannot carry (a control
  // character, bytes that are not UTF-8) would make it ill-formed, and no EM account has one.
  if (auto bad = xml_char_problem(credentials->user)) {
    return Denial{http::status::unauthorized,
                  "the user name in the Basic credentials is not text a logon can carry: " + *bad};
  }
  if (auto denial = verify(credentials->user, credentials->password, client_address)) {
    return std::move(*denial);
  }
  auto id_bytes = random_bytes(16);
  if (!id_bytes) {
    return Denial{http::status::internal_server_error,
                  "cannot create a logon session: the random generator failed"};
  }
  std::string session_id = format_guid(std::move(*id_bytes));
  Logon result{base64_encode(session_id),
               LogonSession{std::move(session_id), std::move(credentials->user)}};

  std::lock_guard lock(mutex_);
  const auto now = clock_();
  sweep_expired(now);
  evict_least_recently_used(
      [&](const Entry& entry) { return entry.session.user_name == result.session.user_name; },
      limits_.sessions_per_user);
  if (!client_address.empty()) {
    evict_least_recently_used([&](const Entry& entry) { return entry.address == client_address; },
                              limits_.sessions_per_address);
  }
  if (by_token_.size() >= kMaxLogonSessions) {
    return Denial{http::status::service_unavailable,
                  "too many open logon sessions; log off unused sessions and retry"};
  }
  by_token_.emplace(result.token,
                    Entry{result.session, std::string(client_address), now, next_sequence_++});
  return result;
}

std::variant<std::optional<LogonSession>, Denial> Authenticator::authenticate(
    std::optional<std::string_view> token) {
  if (!token) {
    if (!enforcing()) return std::optional<LogonSession>{};
    return Denial{http::status::unauthorized,
                  "no X-RestSvcSessionId header or cookie: log on at /api/sessionMngr/ first"};
  }
  std::lock_guard lock(mutex_);
  const auto now = clock_();
  const auto it = by_token_.find(std::string(*token));
  if (it == by_token_.end()) {
    if (!enforcing()) return std::optional<LogonSession>{};
    return Denial{http::status::unauthorized,
                  "X-RestSvcSessionId is not a valid logon session token: log on again"};
  }
  if (expired(it->second, now)) {
    by_token_.erase(it);
    if (!enforcing()) return std::optional<LogonSession>{};
    return Denial{http::status::unauthorized,
                  "X-RestSvcSessionId found but is expired: log on again"};
  }
  it->second.last_used = now;
  return std::optional<LogonSession>{it->second.session};
}

std::vector<LogonSession> Authenticator::sessions_of(std::string_view user_name) {
  std::lock_guard lock(mutex_);
  const auto now = clock_();
  std::vector<const Entry*> found;
  for (const auto& [token, entry] : by_token_) {
    if (entry.session.user_name == user_name && !expired(entry, now)) found.push_back(&entry);
  }
  std::sort(found.begin(), found.end(),
            [](const Entry* a, const Entry* b) { return a->sequence < b->sequence; });
  std::vector<LogonSession> result;
  for (const Entry* entry : found) result.push_back(entry->session);
  return result;
}

Authenticator::Sessions::iterator Authenticator::live_session(
    std::string_view session_id, std::chrono::steady_clock::time_point now) {
  return std::find_if(by_token_.begin(), by_token_.end(), [&](const auto& item) {
    return boost::beast::iequals(item.second.session.session_id, session_id) &&
           !expired(item.second, now);
  });
}

std::optional<LogonSession> Authenticator::find(std::string_view session_id) {
  std::lock_guard lock(mutex_);
  const auto it = live_session(session_id, clock_());
  if (it == by_token_.end()) return std::nullopt;
  return it->second.session;
}

bool Authenticator::logoff(std::string_view session_id) {
  std::lock_guard lock(mutex_);
  const auto it = live_session(session_id, clock_());
  if (it == by_token_.end()) return false;
  by_token_.erase(it);
  return true;
}

}  // namespace emarchive::api
