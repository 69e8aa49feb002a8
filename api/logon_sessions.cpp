#include "api/logon_sessions.h"

#include <string>
#include <variant>

#include "api/error_document.h"
#include "model/xml_escape.h"

namespace emarchive::api {
namespace {

namespace http = boost::beast::http;

constexpr std::string_view kXmlDeclaration = R"(<?xml version="1.0" encoding="utf-8"?>)";
constexpr std::string_view kNamespaces =
    R"( xmlns="http://www.veeam.com/ent/v1.0")"
    R"( xmlns:xsd="http://www.w3.org/2001/XMLSchema")"
    R"( xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance")";

struct DownLink {
  std::string_view type;
  std::string_view path;  // after /api
};

// The collections emarchive serves, in the order EM lists them: reference lists, services,
// entity lists. EM lists many more (repositories, restore points...); a client follows only the
// links it knows, so listing what would 404 here would only mislead it.
constexpr DownLink kDownLinks[] = {
    {"BackupServerReferenceList", "/backupServers"},
    {"JobReferenceList", "/jobs"},
    {"BackupJobSessionReferenceList", "/backupSessions"},
    {"RestoreSessionReferenceList", "/restoreSessions"},
    {"ReplicaJobSessionReferenceList", "/replicaSessions"},
    {"BackupTaskSessionReferenceList", "/backupTaskSessions"},
    {"ReplicaTaskSessionReferenceList", "/replicaTaskSessions"},
    {"QueryService", "/querySvc"},
    {"BackupServerList", "/backupServers?format=Entity"},
    {"JobList", "/jobs?format=Entity"},
    {"BackupJobSessionList", "/backupSessions?format=Entity"},
    {"RestoreSessionList", "/restoreSessions?format=Entity"},
    {"ReplicaJobSessionList", "/replicaSessions?format=Entity"},
    {"BackupTaskSessionList", "/backupTaskSessions?format=Entity"},
    {"ReplicaTaskSessionList", "/replicaTaskSessions?format=Entity"},
};

void append_link(std::string& out, std::string_view rel, std::string_view type,
                 std::string_view origin, std::string_view path) {
  out += R"(<Link Href=")";
  xml::append_escaped_attribute(out, origin);
  out += "/api";
  xml::append_escaped_attribute(out, path);
  out += '"';
  if (!type.empty()) {
    out += R"( Type=")";
    out += type;
    out += '"';
  }
  out += R"( Rel=")";
  out += rel;
  out += R"(" />)";
}

std::string session_href(std::string_view origin, const LogonSession& session) {
  return std::string(origin) + "/api/logonSessions/" + session.session_id;
}

void append_logon_session(std::string& out, std::string_view origin, const LogonSession& session,
                          std::string_view namespaces) {
  out += R"(<LogonSession Href=")";
  xml::append_escaped_attribute(out, session_href(origin, session));
  out += R"(" Type="LogonSession")";
  out += namespaces;
  out += "><Links>";
  append_link(out, "Up", "EnterpriseManager", origin, "/");
  for (const DownLink& link : kDownLinks) append_link(out, "Down", link.type, origin, link.path);
  // EM's session samples give the Delete link no Type.
  append_link(out, "Delete", "", origin, "/logonSessions/" + session.session_id);
  out += "</Links><UserName>";
  xml::append_escaped_text(out, session.user_name);
  out += "</UserName><SessionId>";
  out += session.session_id;
  out += "</SessionId></LogonSession>";
}

ApiResponse logon_session_document(http::status status, std::string_view origin,
                                   const LogonSession& session) {
  ApiResponse response;
  response.status = status;
  response.body = kXmlDeclaration;
  append_logon_session(response.body, origin, session, kNamespaces);
  return response;
}

// The session `session_id` if the caller may see it.
std::optional<LogonSession> visible_session(Authenticator& auth,
                                            const std::optional<LogonSession>& caller,
                                            std::string_view session_id) {
  auto session = auth.find(session_id);
  if (!session) return std::nullopt;
  if (auth.enforcing() && (!caller || caller->user_name != session->user_name)) {
    return std::nullopt;
  }
  return session;
}

ApiResponse no_such_session(std::string_view session_id) {
  return error_response(http::status::not_found, "no logon session " + std::string(session_id));
}

}  // namespace

ApiResponse logon_response(Authenticator& auth, const ApiRequest& request,
                           std::string_view authorization, std::string_view client_address) {
  auto outcome = auth.logon(authorization, client_address);
  if (auto* denial = std::get_if<Denial>(&outcome)) {
    ApiResponse response = error_response(denial->status, denial->message);
    if (denial->status == http::status::unauthorized) {
      response.headers.emplace_back("WWW-Authenticate", "Basic Realm=RestSvc");
    }
    if (denial->retry_after) {
      response.headers.emplace_back("Retry-After", std::to_string(denial->retry_after->count()));
    }
    return response;
  }
  const Logon& logon = std::get<Logon>(outcome);
  ApiResponse response =
      logon_session_document(http::status::created, request.origin, logon.session);
  response.headers.emplace_back("X-RestSvcSessionId", logon.token);
  // Exactly as EM writes it, trailing ';' included; under a /asof/<TIME>/ prefix (ApiRequest::
  // as_of) for every path, so that a client's requests under the prefix carry it too.
  response.headers.emplace_back("Set-Cookie", "X-RestSvcSessionId=" + logon.token +
                                                  (request.as_of ? "; Path=/;" : "; Path=/api;"));
  response.headers.emplace_back("Location", session_href(request.origin, logon.session));
  return response;
}

ApiResponse logon_sessions_response(Authenticator& auth, const ApiRequest& request,
                                    const std::optional<LogonSession>& caller) {
  ApiResponse response;
  response.body = kXmlDeclaration;
  response.body += "<LogonSessions";
  response.body += kNamespaces;
  response.body += ">";
  if (caller) {
    for (const LogonSession& session : auth.sessions_of(caller->user_name)) {
      append_logon_session(response.body, request.origin, session, "");
    }
  }
  response.body += "</LogonSessions>";
  return response;
}

ApiResponse logon_session_response(Authenticator& auth, const ApiRequest& request,
                                   const std::optional<LogonSession>& caller,
                                   std::string_view session_id) {
  auto session = visible_session(auth, caller, session_id);
  if (!session) return no_such_session(session_id);
  return logon_session_document(http::status::ok, request.origin, *session);
}

ApiResponse logoff_response(Authenticator& auth, const std::optional<LogonSession>& caller,
                            std::string_view session_id) {
  if (!visible_session(auth, caller, session_id) || !auth.logoff(session_id)) {
    return no_such_session(session_id);
  }
  ApiResponse response;
  response.status = http::status::no_content;
  return response;
}

}  // namespace emarchive::api
