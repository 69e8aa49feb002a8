#pragma once
// The logon endpoints' answers and their documents (docs/EM-API.md, section 3):
//   POST   /api/sessionMngr/?v=...     logon_response
//   GET    /api/logonSessions          logon_sessions_response
//   GET    /api/logonSessions/{id}     logon_session_response
//   DELETE /api/logonSessions/{id}     logoff_response
// The router has already authenticated the request (except logon) and passes the caller: the
// session its token named, or nullopt when served anonymously (open mode). All Hrefs start with
// request.origin. Thread-safe as Authenticator is.

#include <optional>
#include <string_view>

#include "api/auth.h"
#include "api/resource_handler.h"

namespace emarchive::api {

// 201 with headers X-RestSvcSessionId, Set-Cookie and Location and a LogonSession body; or the
// Authenticator's denial as an Error, with WWW-Authenticate: Basic Realm=RestSvc on 401 and
// Retry-After on 429. `client_address` is the IP address the request came from.
ApiResponse logon_response(Authenticator& auth, const ApiRequest& request,
                           std::string_view authorization, std::string_view client_address);

// 200 LogonSessions with the live sessions of the caller's user (none for an anonymous caller).
ApiResponse logon_sessions_response(Authenticator& auth, const ApiRequest& request,
                                    const std::optional<LogonSession>& caller);

// 200 LogonSession, or 404 when there is no live session with this id visible to the caller: in
// enforcing mode only the caller's user's own sessions are visible.
ApiResponse logon_session_response(Authenticator& auth, const ApiRequest& request,
                                   const std::optional<LogonSession>& caller,
                                   std::string_view session_id);

// 204 with no body once the session is ended; 404 as for logon_session_response.
ApiResponse logoff_response(Authenticator& auth, const std::optional<LogonSession>& caller,
                            std::string_view session_id);

}  // namespace emarchive::api
