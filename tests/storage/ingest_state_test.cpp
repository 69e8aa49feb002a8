#include "storage/archive.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "migrations/embedded.h"
#include "model/codec.h"
#include "model/em_time.h"
#include "model/query_filter.h"
#include "model/query_type.h"
#include "storage/sha256.h"
#include "tests/storage/archive_fixture.h"
#include "tests/support/test_data.h"

namespace emarchive::storage {
namespace {

using namespace emarchive::storage::fixture;

TEST_F(ArchiveTest, ABookmarkAdvancesWithItsPageAndNeverMovesBack) {
  const std::string other_origin = "https://em2.test.local:9398";
  EXPECT_EQ(*archive_->bookmark(kOrigin, "BackupTaskSession"), std::nullopt);

  const std::vector<Record> page{full_record(Kind::BackupTaskSession, kTaskGuid)};
  const Bookmark later{std::string(kOrigin), "BackupTaskSession", at("2025-06-05T02:00:00Z")};
  ASSERT_TRUE(archive_->store_page(page, run_, kNow, later));
  EXPECT_EQ(*archive_->bookmark(kOrigin, "BackupTaskSession"), later.creation_time);
  // Per source and per type.
  EXPECT_EQ(*archive_->bookmark(other_origin, "BackupTaskSession"), std::nullopt);
  EXPECT_EQ(*archive_->bookmark(kOrigin, "BackupJobSession"), std::nullopt);

  Bookmark earlier = later;
  earlier.creation_time = at("2025-06-05T01:00:00Z");
  ASSERT_TRUE(archive_->store_page(page, run_, kNow, earlier));
  EXPECT_EQ(*archive_->bookmark(kOrigin, "BackupTaskSession"), later.creation_time);

  // A page that fails to store leaves the bookmark where it was.
  sql().exec(
      "CREATE TRIGGER refuse BEFORE INSERT ON representations WHEN NEW.name = 'refused' "
      "BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
  Record bad = full_record(Kind::BackupTaskSession, kJobSessionGuid);
  bad.entity->name = "refused";
  Bookmark beyond = later;
  beyond.creation_time = at("2025-06-06T00:00:00Z");
  EXPECT_FALSE(archive_->store_page(std::vector{bad}, run_, kNow, beyond));
  EXPECT_EQ(*archive_->bookmark(kOrigin, "BackupTaskSession"), later.creation_time);
}

TEST_F(ArchiveTest, ListsUnfinishedSessionsUntilTheyAreFinalOrGone) {
  Record working = full_record(Kind::BackupJobSession, kJobSessionGuid);
  set_field(working, "State", "Working");
  set_field(working, "CreationTimeUTC", "2025-06-05T01:00:00Z");
  Record in_progress = full_record(Kind::BackupTaskSession, kTaskGuid);
  set_field(in_progress, "State", "InProgress");
  set_field(in_progress, "CreationTimeUTC", "2025-06-05T01:30:00Z");
  store({working, in_progress});

  auto unfinished = [&](Kind kind, std::string_view origin, std::string_view before) {
    auto uids = archive_->unfinished_sessions(origin, kind, at(before));
    EXPECT_TRUE(uids) << uids.error().message;
    return uids ? *uids : std::vector<std::string>{};
  };
  EXPECT_EQ(unfinished(Kind::BackupJobSession, kOrigin, "2025-06-05T02:00:00Z"),
            std::vector{working.uid});
  EXPECT_EQ(unfinished(Kind::BackupTaskSession, kOrigin, "2025-06-05T02:00:00Z"),
            std::vector{in_progress.uid});
  // Only those created before the bound, and only from their own source.
  EXPECT_TRUE(unfinished(Kind::BackupJobSession, kOrigin, "2025-06-05T01:00:00Z").empty());
  EXPECT_TRUE(
      unfinished(Kind::BackupJobSession, "https://other:9398", "2025-06-05T02:00:00Z").empty());

  // Final states, in any case, end the listing; a gone session leaves it too.
  set_field(working, "State", "stopped");
  store({working});
  EXPECT_TRUE(unfinished(Kind::BackupJobSession, kOrigin, "2025-06-05T02:00:00Z").empty());
  EXPECT_EQ(unfinished(Kind::BackupTaskSession, kOrigin, "2025-06-05T02:00:00Z").size(), 1u);
  ASSERT_TRUE(archive_->mark_gone(in_progress.uid, run_, kNow));
  EXPECT_TRUE(unfinished(Kind::BackupTaskSession, kOrigin, "2025-06-05T02:00:00Z").empty());
  EXPECT_EQ(load(in_progress.uid), in_progress);  // its last state stays
  EXPECT_FALSE(archive_->mark_gone(uid(Kind::Job, "no-such-job"), run_, kNow));
}

TEST_F(ArchiveTest, ListsTheStubsOfASourceUntilArchivedOrGone) {
  store({full_record(Kind::BackupJobSession, kJobSessionGuid)});
  const std::string job_uid = uid(Kind::Job, kJobGuid);
  const std::string server_uid = uid(Kind::BackupServer, kServerGuid);
  EXPECT_EQ(*archive_->stubs(kOrigin, Kind::Job), std::vector{job_uid});
  EXPECT_EQ(*archive_->stubs(kOrigin, Kind::BackupServer), std::vector{server_uid});
  EXPECT_TRUE(archive_->stubs("https://other:9398", Kind::Job)->empty());

  store({full_record(Kind::Job, kJobGuid)});
  EXPECT_TRUE(archive_->stubs(kOrigin, Kind::Job)->empty());
  ASSERT_TRUE(archive_->mark_gone(server_uid, run_, kNow));
  EXPECT_TRUE(archive_->stubs(kOrigin, Kind::BackupServer)->empty());
}

// One EM reached by two spellings of its URL (its name, then its address): once both origins
// carry the same name, ingest through the second carries on from the first's bookmarks,
// unfinished sessions and stubs instead of asking EM for everything again.
TEST_F(ArchiveTest, OriginsGivenOneNameShareWhatIngestRemembers) {
  const std::string alias = "https://10.0.0.5:9398";
  Record working = full_record(Kind::BackupJobSession, kJobSessionGuid);
  set_field(working, "State", "Working");
  set_field(working, "CreationTimeUTC", "2025-06-05T01:00:00Z");
  const Bookmark reached{std::string(kOrigin), "BackupJobSession", at("2025-06-05T01:00:00Z")};
  ASSERT_TRUE(archive_->store_page(std::vector{working}, run_, kNow, reached));

  EXPECT_EQ(*archive_->bookmark(alias, "BackupJobSession"), std::nullopt);
  ASSERT_TRUE(archive_->name_source(kOrigin, "paris", kNow));
  ASSERT_TRUE(archive_->name_source(alias, "paris", kNow));
  EXPECT_EQ(*archive_->bookmark(alias, "BackupJobSession"), reached.creation_time);
  EXPECT_EQ(
      *archive_->unfinished_sessions(alias, Kind::BackupJobSession, at("2025-06-05T02:00:00Z")),
      std::vector{working.uid});
  EXPECT_EQ(*archive_->stubs(alias, Kind::Job), std::vector{uid(Kind::Job, kJobGuid)});
  EXPECT_EQ(sql().execAndGet("SELECT count(*) FROM sources WHERE name = 'paris'").getInt(), 2);

  // Renamed, the alias is another EM again.
  ASSERT_TRUE(archive_->name_source(alias, "lyon", kNow));
  EXPECT_EQ(*archive_->bookmark(alias, "BackupJobSession"), std::nullopt);
  EXPECT_TRUE(archive_->stubs(alias, Kind::Job)->empty());
}

}  // namespace
}  // namespace emarchive::storage
