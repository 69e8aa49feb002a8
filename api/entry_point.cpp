#include "api/entry_point.h"

#include <string>
#include <string_view>

#include "model/xml_escape.h"

namespace emarchive::api {
namespace {

void append_create_link(std::string& out, std::string_view origin, std::string_view version) {
  out += R"(<Link Href=")";
  xml::append_escaped_attribute(out, origin);
  out += "/api/sessionMngr/?v=";
  out += version;
  out += R"(" Type="LogonSession" Rel="Create" />)";
}

}  // namespace

ApiResponse entry_point_response(const ApiRequest& request) {
  ApiResponse response;
  std::string& out = response.body;
  out = R"(<?xml version="1.0" encoding="utf-8"?>)"
        R"(<EnterpriseManager xmlns="http://www.veeam.com/ent/v1.0")"
        R"( xmlns:xsd="http://www.w3.org/2001/XMLSchema")"
        R"( xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><Links>)";
  out += R"(<Link Href=")";
  xml::append_escaped_attribute(out, request.origin);
  out += R"(/api/logonSessions" Type="LogonSessionList" Rel="Down" />)";
  append_create_link(out, request.origin, "latest");
  out += "</Links><SupportedVersions>";
  for (std::string_view version : {"v1_5", "v1_6", "v1_7"}) {
    out += R"(<SupportedVersion Name=")";
    out += version;
    out += R"("><Links>)";
    append_create_link(out, request.origin, version);
    out += "</Links></SupportedVersion>";
  }
  out += "</SupportedVersions></EnterpriseManager>";
  return response;
}

}  // namespace emarchive::api
