#pragma once
// Logon emulation: who is logged on, with which token, until when (docs/EM-API.md, section 3).
//
// A logon checks Basic credentials and opens a logon session: a random GUID (SessionId, in the
// LogonSession body and Hrefs) whose token (X-RestSvcSessionId) is the base64 of the SessionId's
// text, as EM issues them (its documentation's examples decode to the session's GUID); a client
// that reads SessionId from the body and sends base64(SessionId) is therefore logged on. Every
// later request presents the token; a session idle for 15 minutes expires, as on EM. The
// SessionId is thus as secret as the token: only the session's own user is shown it. Modes:
//   - users (a users file given): credentials are checked and requests need a live token;
//   - any credentials, token required (no users file, tokens required; `emarchive simulate`):
//     any credentials log on, and requests need a live token, so that a client that forgets to
//     log on, or lets its token expire, fails as it would against EM;
//   - open (no users file; for loopback use): any credentials log on, and requests without a
//     token, or with an unknown one, are served anyway.
// The modes that need a token are "enforcing"; the two that accept any credentials are for
// loopback use only (the server refuses other addresses without a users file).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <ostream>  // see resource_handler.h
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include <boost/beast/http/status.hpp>

#include "api/logon_throttle.h"
#include "api/users_file.h"

namespace emarchive::api {

// Where "now" comes from for idle expiry; tests inject one they can move forward.
using SteadyClock = std::function<std::chrono::steady_clock::time_point()>;

inline constexpr std::chrono::minutes kLogonIdleTimeout{15};
// Open sessions are bounded so that a client that never logs off cannot grow memory without
// limit; expired sessions are swept on every logon before this is checked.
inline constexpr std::size_t kMaxLogonSessions = 10000;

// What one user or one client address may hold or try. The session bounds keep one client (or a
// script that never logs off) from filling the table of kMaxLogonSessions: a logon beyond them
// ends that user's (or address's) least recently used session, as a client that lost its token
// would have let it expire. The failure limits keep anyone from guessing passwords at the speed
// of the machine: after `failures_allowed` wrong logons within `failure_window`, from one address
// or for one user name, logons from that address or for that user are refused with 429 until
// the window that began with the first failure has passed.
struct LogonLimits {
  // A session ends once idle this long (EM's 15 minutes; `simulate --token-ttl` shortens it for
  // clients' tests).
  std::chrono::milliseconds idle_timeout = kLogonIdleTimeout;
  std::size_t sessions_per_user = 100;
  std::size_t sessions_per_address = 100;
  unsigned failures_allowed = 10;
  std::chrono::seconds failure_window{std::chrono::minutes(5)};
};

struct LogonSession {
  std::string session_id;  // GUID, lowercase ("SessionId" and the Href's last segment)
  std::string user_name;
};

// Why a request or logon was refused, as the HTTP answer to give.
struct Denial {
  boost::beast::http::status status;
  std::string message;
  // For 429: when a retry can succeed (the Retry-After header).
  std::optional<std::chrono::seconds> retry_after{};
};

struct Logon {
  std::string token;  // base64 of session.session_id, e.g. "NDRmMWQxNzAtNmFiNi00ZTNkLTgz..."
  LogonSession session;
};

// Thread-safe: every member may be called from several server threads at once.
class Authenticator {
 public:
  // `users` empty and `require_token` false = open mode; `users` empty and `require_token` true =
  // any credentials, token required; `users` given = users mode, whatever `require_token`.
  // `clock` must be callable from any thread.
  Authenticator(std::optional<UsersFile> users, SteadyClock clock, bool require_token = false,
                LogonLimits limits = {});

  // Whether requests need a live token (users mode, or any credentials with token required).
  bool enforcing() const { return users_.has_value() || require_token_; }

  // `authorization` is the Authorization header ("" when absent). A Basic header is required in
  // every mode (EM requires one, and a client that works here must work against EM); without a
  // users file any name and password are accepted. Denials: 401 for missing, malformed or wrong
  // credentials (the caller adds WWW-Authenticate), 503 when kMaxLogonSessions are open (after
  // the per-user and per-address bounds of LogonLimits have ended older sessions), 500
  // when the random generator fails, 429 (with retry_after) when `client_address` or the user
  // name has had LogonLimits::failures_allowed wrong logons within the window. `client_address`
  // ("" when unknown) also bounds the sessions per address (LogonLimits).
  std::variant<Logon, Denial> logon(std::string_view authorization,
                                    std::string_view client_address = {});
  // Checks Basic credentials as logon() does (the same throttle, the same denials but 503),
  // without opening a logon session: for /metrics, which Prometheus scrapes with basic_auth.
  // nullopt when they are accepted (any, without a users file).
  std::optional<Denial> check_credentials(std::string_view authorization,
                                          std::string_view client_address = {});
  // Whether logon() checks passwords (and so runs PBKDF2, slow by design): callers keep it off
  // threads that must stay quick.
  bool checks_passwords() const { return users_.has_value(); }

  // Checks a request's token (nullopt when it carried none) and, when it names a live session,
  // counts the request as activity. Returns the session, or nullopt when serving anonymously
  // (open mode with no or an unknown token), or a 401 Denial (enforcing modes: no token, unknown
  // token, expired token).
  std::variant<std::optional<LogonSession>, Denial> authenticate(
      std::optional<std::string_view> token);

  // Live sessions of `user_name`, oldest first.
  std::vector<LogonSession> sessions_of(std::string_view user_name);
  // The live session with this SessionId (GUID, case-insensitive), if any.
  std::optional<LogonSession> find(std::string_view session_id);
  // Ends the session; false when there is no live one with this id.
  bool logoff(std::string_view session_id);

 private:
  struct Entry {
    LogonSession session;
    std::string address;  // the client's, at logon
    std::chrono::steady_clock::time_point last_used;
    std::uint64_t sequence = 0;  // logon order, for listing oldest first
  };
  // The password check of logon() and check_credentials(): the throttle, then PBKDF2 against
  // the users file (none: accepted).
  std::optional<Denial> verify(std::string_view user, std::string_view password,
                               std::string_view client_address);
  bool expired(const Entry& entry, std::chrono::steady_clock::time_point now) const;
  void sweep_expired(std::chrono::steady_clock::time_point now);  // mutex_ held
  // While `limit` or more sessions satisfy `belongs`, ends the least recently used of them.
  // mutex_ held.
  template <class Belongs>
  void evict_least_recently_used(Belongs belongs, std::size_t limit);
  using Sessions = std::unordered_map<std::string, Entry>;  // by token
  // The live session with `session_id`, or end(). mutex_ held.
  Sessions::iterator live_session(std::string_view session_id,
                                  std::chrono::steady_clock::time_point now);

  const std::optional<UsersFile> users_;
  const SteadyClock clock_;
  const bool require_token_;
  const LogonLimits limits_;
  std::mutex mutex_;
  LogonThrottle throttle_;
  Sessions by_token_;
  std::uint64_t next_sequence_ = 0;
};

}  // namespace emarchive::api
