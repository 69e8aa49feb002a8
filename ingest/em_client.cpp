#include "ingest/em_client.h"

#include <utility>

#include <openssl/evp.h>
#include <pugixml.hpp>

namespace emarchive::ingest {
namespace {

namespace http = boost::beast::http;

constexpr std::string_view kLogonTarget = "/api/sessionMngr/?v=latest";
constexpr std::string_view kTokenHeader = "X-RestSvcSessionId";

// EM's documents are in the ent/v1.0 namespace, with or without a prefix depending on the
// version; the few elements read here are unambiguous by local name.
bool has_local_name(pugi::xml_node node, std::string_view local) {
  std::string_view name = node.name();
  if (const auto colon = name.find(':'); colon != std::string_view::npos) {
    name.remove_prefix(colon + 1);
  }
  return node.type() == pugi::node_element && name == local;
}

pugi::xml_node child_named(pugi::xml_node parent, std::string_view local) {
  for (pugi::xml_node child : parent.children()) {
    if (has_local_name(child, local)) return child;
  }
  return {};
}

// Where to DELETE the logon session: its Href, its Delete link, or the path made from its
// SessionId. "" when the body says none of these.
std::string logoff_target(const std::string& body) {
  pugi::xml_document document;
  if (!document.load_buffer(body.data(), body.size())) return {};
  const pugi::xml_node session = document.document_element();
  if (!has_local_name(session, "LogonSession")) return {};
  if (std::string href = session.attribute("Href").value(); !href.empty()) return href;
  for (pugi::xml_node link : child_named(session, "Links").children()) {
    if (has_local_name(link, "Link") &&
        std::string_view(link.attribute("Rel").value()) == "Delete" &&
        *link.attribute("Href").value() != '\0') {
      return link.attribute("Href").value();
    }
  }
  if (std::string id = child_named(session, "SessionId").text().get(); !id.empty()) {
    return "/api/logonSessions/" + id;
  }
  return {};
}

// "POST URL: 500 Internal Server Error: <EM's message>".
std::string status_error(std::string_view method, const std::string& url,
                         const HttpResponse& response) {
  std::string message = std::string(method) + " " + url + ": " + std::to_string(response.status) +
                        " " + response.reason;
  pugi::xml_document document;
  if (document.load_buffer(response.body.data(), response.body.size())) {
    const pugi::xml_node root = document.document_element();
    if (has_local_name(root, "Error") && *root.attribute("Message").value() != '\0') {
      message += ": ";
      message += root.attribute("Message").value();
    }
  }
  return message;
}

}  // namespace

std::string basic_authorization(std::string_view user, std::string_view password) {
  const std::string plain = std::string(user) + ":" + std::string(password);
  std::string encoded(4 * ((plain.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                                reinterpret_cast<const unsigned char*>(plain.data()),
                                static_cast<int>(plain.size()));
  encoded.resize(static_cast<std::size_t>(n));
  return "Basic " + encoded;
}

EmClient::EmClient(HttpClient& http, Credentials credentials)
    : http_(http), credentials_(std::move(credentials)) {}

EmClient::~EmClient() {
  if (logged_on()) (void)logoff();
}

Status EmClient::logon() {
  auto response = http_.request(
      http::verb::post, kLogonTarget,
      {{"Authorization", basic_authorization(credentials_.user, credentials_.password)}});
  if (!response) return response.error();
  if (response->status == 401) {
    return Error{"EM at " + http_.origin() + " refused the credentials of user " +
                     credentials_.user + " (401)",
                 ErrorCode::auth};
  }
  const std::string url = http_.url(kLogonTarget);
  if (response->status != 201 && response->status != 200) {
    return Error{status_error("POST", url, *response), ErrorCode::network};
  }
  std::string token = response->header(kTokenHeader);
  if (token.empty()) {
    return Error{"POST " + url + ": " + std::to_string(response->status) + " " + response->reason +
                     " without an " + std::string(kTokenHeader) + " header",
                 ErrorCode::network};
  }
  token_ = std::move(token);
  // EM always names the session; if one does not, the run goes on and the session expires by
  // itself (15 idle minutes) instead of being deleted.
  logoff_target_ = logoff_target(response->body);
  ++logons_;
  return Ok{};
}

Expected<HttpResponse> EmClient::get(std::string_view target) {
  if (!logged_on()) {
    if (auto status = logon(); !status) return status.error();
  }
  auto response = http_.request(http::verb::get, target, {{std::string(kTokenHeader), token_}});
  if (!response || response->status != 401) return response;
  // The token expired (15 idle minutes) or EM restarted: a new logon is all it takes.
  token_.clear();
  if (auto status = logon(); !status) return status.error();
  response = http_.request(http::verb::get, target, {{std::string(kTokenHeader), token_}});
  if (response && response->status == 401) {
    return Error{"GET " + http_.url(target) + ": 401 " + response->reason +
                     " even after logging on again as user " + credentials_.user,
                 ErrorCode::auth};
  }
  return response;
}

Status EmClient::logoff() {
  if (!logged_on()) return Ok{};
  const std::string token = std::exchange(token_, {});
  const std::string target = std::exchange(logoff_target_, {});
  if (target.empty()) return Ok{};
  auto response = http_.request(http::verb::delete_, target, {{std::string(kTokenHeader), token}});
  if (!response) return response.error();
  switch (response->status) {
    case 200:
    case 204:
    case 401:
    case 404:
      return Ok{};
    default:
      return Error{status_error("DELETE", http_.url(target), *response), ErrorCode::network};
  }
}

}  // namespace emarchive::ingest
