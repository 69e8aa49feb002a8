#include "api/entry_point.h"

#include <gtest/gtest.h>
#include <pugixml.hpp>

#include "tests/support/http_client.h"
#include "tests/support/test_server.h"

namespace emarchive::api {
namespace {

TEST(EntryPointTest, ServesEnterpriseManagerWithLinksFromTheRequestOrigin) {
  testing::TestServer server;
  testing::HttpClient client(server.port());
  testing::HttpReply reply = client.send_raw(
      "GET /api/ HTTP/1.1\r\nHost: em.example.com:9399\r\nAccept: application/xml\r\n\r\n");
  ASSERT_EQ(reply.status, 200u) << reply.error;
  EXPECT_EQ(reply.header("Content-Type"), "application/xml; charset=utf-8");

  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_string(reply.body.c_str())) << reply.body;
  const pugi::xml_node root = doc.child("EnterpriseManager");
  ASSERT_TRUE(root) << reply.body;
  EXPECT_STREQ(root.attribute("xmlns").value(), "http://www.veeam.com/ent/v1.0");

  std::vector<std::string> links;
  for (pugi::xml_node link : root.child("Links").children("Link")) {
    links.push_back(std::string(link.attribute("Rel").value()) + " " +
                    link.attribute("Type").value() + " " + link.attribute("Href").value());
  }
  EXPECT_EQ(links, (std::vector<std::string>{
                       "Down LogonSessionList http://em.example.com:9399/api/logonSessions",
                       "Create LogonSession http://em.example.com:9399/api/sessionMngr/?v=latest",
                   }));

  std::vector<std::string> versions;
  for (pugi::xml_node version : root.child("SupportedVersions").children("SupportedVersion")) {
    const pugi::xml_node link = version.child("Links").child("Link");
    versions.push_back(std::string(version.attribute("Name").value()) + " " +
                       link.attribute("Rel").value() + " " + link.attribute("Type").value() + " " +
                       link.attribute("Href").value());
  }
  EXPECT_EQ(versions,
            (std::vector<std::string>{
                "v1_5 Create LogonSession http://em.example.com:9399/api/sessionMngr/?v=v1_5",
                "v1_6 Create LogonSession http://em.example.com:9399/api/sessionMngr/?v=v1_6",
                "v1_7 Create LogonSession http://em.example.com:9399/api/sessionMngr/?v=v1_7",
            }));
}

TEST(EntryPointTest, EscapesTheOrigin) {
  ApiRequest request;
  request.origin = "http://a&b";
  EXPECT_NE(entry_point_response(request).body.find("http://a&amp;b/api/logonSessions"),
            std::string::npos);
}

}  // namespace
}  // namespace emarchive::api
