#include "tests/support/simulated_em.h"

#include <gtest/gtest.h>
#include <pugixml.hpp>

#include <set>
#include <string>

#include "model/codec.h"
#include "tests/support/http_client.h"

namespace emarchive::testing {
namespace {

const EmTime kStart = at("2026-06-15T22:30:00Z");

std::string log_on(HttpClient& client) {
  HttpReply reply = client.post("/api/sessionMngr/?v=latest",
                                {{"Authorization", basic_authorization("LAB\\tester", "any")}});
  EXPECT_EQ(reply.status, 201u) << reply.error << reply.body;
  return reply.header("X-RestSvcSessionId");
}

// The UIDs of a QueryResult's or a reference list's entries.
std::set<std::string> uids_in(const std::string& xml) {
  pugi::xml_document doc;
  EXPECT_TRUE(doc.load_string(xml.c_str())) << xml;
  std::set<std::string> uids;
  for (pugi::xpath_node node : doc.select_nodes("//*[@UID]")) {
    uids.insert(node.node().attribute("UID").value());
  }
  return uids;
}

TEST(SimulatedEmTest, ServesTheHistoryUnderEmsRulesAsTimeMoves) {
  SimulatedEm em(sim::HistoryOptions{.days = 40, .jobs = 3, .vms = 6}, kStart);
  EXPECT_EQ(em.base_url(), "http://127.0.0.1:" + std::to_string(em.port()));
  HttpClient client(em.port());
  EXPECT_EQ(client.get("/api/backupSessions").status, 401u) << "a token is required";
  const HttpClient::Headers token = {{"X-RestSvcSessionId", log_on(client)}};

  std::set<std::string> in_history, in_last_30_days;
  for (const Record& r : em.history_at(kStart)) {
    if (r.kind != Kind::BackupJobSession) continue;
    in_history.insert(r.uid);
    if (at(*r.field("CreationTimeUTC")) >= kStart - 30 * kDay) in_last_30_days.insert(r.uid);
  }
  ASSERT_LT(in_last_30_days.size(), in_history.size());
  // The query service reaches everything; the collection only the last 30 simulated days.
  HttpReply query = client.get("/api/query?type=BackupJobSession&pageSize=10000", token);
  ASSERT_EQ(query.status, 200u) << query.body;
  EXPECT_EQ(uids_in(query.body), in_history);
  HttpReply listed = client.get("/api/backupSessions", token);
  ASSERT_EQ(listed.status, 200u) << listed.body;
  EXPECT_EQ(uids_in(listed.body), in_last_30_days);

  // Time moves: a day later every session of the start is finished, and new ones exist.
  em.advance_to(kStart + kDay);
  EXPECT_EQ(em.now(), kStart + kDay);
  int served = 0;
  for (const Record& r : em.history_at(kStart + kDay)) {
    if (r.kind != Kind::BackupJobSession && r.kind != Kind::BackupTaskSession) continue;
    if (at(*r.field("CreationTimeUTC")) < kStart - kDay) continue;
    HttpReply got = client.get("/api/" + std::string(info(r.kind).collection) + "/" +
                                   r.uid.substr(r.uid.rfind(':') + 1) + "?format=Entity",
                               token);
    ASSERT_EQ(got.status, 200u) << r.uid << got.body;
    EXPECT_EQ(got.body, render_entity(r, em.base_url())) << r.uid;
    ++served;
  }
  EXPECT_GT(served, 0);
  HttpReply later = client.get("/api/query?type=BackupJobSession&pageSize=10000", token);
  EXPECT_GT(uids_in(later.body).size(), in_history.size());

  em.expire_tokens();
  HttpReply expired = client.get("/api/backupSessions", token);
  EXPECT_EQ(expired.status, 401u);
  EXPECT_NE(expired.body.find("expired"), std::string::npos) << expired.body;
}

}  // namespace
}  // namespace emarchive::testing
