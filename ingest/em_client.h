#pragma once
// An EM logon session over an HttpClient: log on once, send the token with every request, log on
// again when EM says the token expired (401), and log off at the end (docs/EM-API.md, section 3).
//
// Not thread-safe, like the HttpClient it uses, which must outlive it.

#include <string>
#include <string_view>

#include "ingest/http_client.h"
#include "model/expected.h"

namespace emarchive::ingest {

struct Credentials {
  std::string user;
  std::string password;  // never logged or put in an error message
};

// "Basic " + base64(user:password), the Authorization header of a logon (RFC 7617).
std::string basic_authorization(std::string_view user, std::string_view password);

class EmClient {
 public:
  EmClient(HttpClient& http, Credentials credentials);
  // Logs off if still logged on; errors are ignored.
  ~EmClient();
  EmClient(const EmClient&) = delete;
  EmClient& operator=(const EmClient&) = delete;

  // POST /api/sessionMngr/?v=latest with Basic credentials and an empty body. On 201 (or 200)
  // keeps the X-RestSvcSessionId token and where to log off: the LogonSession document's Href,
  // else its Rel="Delete" link, else /api/logonSessions/<SessionId>.
  // Errors: 401 -> "EM at ORIGIN refused the credentials of user NAME (401)"; other statuses ->
  // "POST URL: STATUS REASON: <Message of EM's Error document>" (without the last part when the
  // body has none); transport errors as HttpClient::request gives them.
  Status logon();

  // GET with the token, logging on first if not logged on. On 401, logs on again once and repeats
  // the request once; a second 401 is an Error. Returns the response for any other status.
  Expected<HttpResponse> get(std::string_view target);

  // DELETE the logon session: 204 expected; 401 and 404 are fine too (it had expired already).
  // No-op if not logged on. Afterwards this client is logged off whatever the outcome.
  Status logoff();

  bool logged_on() const { return !token_.empty(); }
  // The EM's scheme://host:port, as the HttpClient normalised it.
  const std::string& origin() const { return http_.origin(); }
  // Logons performed so far (for tests and the run log).
  int logons() const { return logons_; }

 private:
  HttpClient& http_;
  Credentials credentials_;
  std::string token_;          // X-RestSvcSessionId; "" when not logged on
  std::string logoff_target_;  // the logon session's Href; "" when EM named none
  int logons_ = 0;
};

}  // namespace emarchive::ingest
