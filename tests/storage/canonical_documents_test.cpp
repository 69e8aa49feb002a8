// Records stored with their digests computed beforehand (DigestedRecords, as import's reading
// thread computes them) are archived exactly as records stored alone.

#include "storage/canonical_documents.h"

#include "storage/verifier.h"
#include "tests/storage/archive_fixture.h"

namespace emarchive::storage::fixture {
namespace {

// Every kind with both forms, and a task session with only its reference or only its entity.
std::vector<Record> every_kind() {
  std::vector<Record> records;
  int i = 0;
  for (const KindInfo& kind : all_kinds())
    records.push_back(full_record(kind.kind, numbered_guid(++i)));
  Record reference_only = full_record(Kind::BackupTaskSession, numbered_guid(++i));
  reference_only.entity.reset();
  records.push_back(std::move(reference_only));
  Record entity_only = full_record(Kind::BackupTaskSession, numbered_guid(++i));
  entity_only.reference.reset();
  records.push_back(std::move(entity_only));
  return records;
}

// Every revision of the archive at `path`: UID, form, revision and SHA-256, in that order.
std::vector<std::string> revisions_of(const std::string& path) {
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  SQLite::Statement s(db,
                      "SELECT r.uid || ' ' || v.form || ' ' || v.revision || ' ' || hex(v.sha256) "
                      "FROM revisions v JOIN records r ON r.id = v.record_id ORDER BY 1");
  std::vector<std::string> rows;
  while (s.executeStep()) rows.push_back(s.getColumn(0).getString());
  return rows;
}

class DigestedRecordsTest : public ArchiveTest {
 protected:
  std::vector<StoreOutcome> store_digested(std::vector<Record> records) {
    auto outcomes = archive_->store(DigestedRecords(std::move(records)), run_, kNow);
    EXPECT_TRUE(outcomes) << outcomes.error().message;
    return outcomes ? *outcomes : std::vector<StoreOutcome>{};
  }
};

TEST_F(DigestedRecordsTest, EachDigestIsThatOfItsFormsCanonicalDocument) {
  const std::vector<Record> records = every_kind();
  const DigestedRecords digested(records);
  ASSERT_EQ(digested.records().size(), records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(digested.records()[i], records[i]);
    for (Form form : {Form::Reference, Form::Entity}) {
      if (!records[i].form(form)) continue;
      EXPECT_EQ(digested.digest(i, form), sha256(canonical_document(records[i], form)))
          << records[i].uid << (form == Form::Entity ? " entity" : " reference");
    }
  }
  // The two forms are told apart.
  EXPECT_NE(digested.digest(0, Form::Reference), digested.digest(0, Form::Entity));
}

TEST_F(DigestedRecordsTest, StoresWhatTheRecordsAloneStore) {
  std::vector<Record> records = every_kind();
  auto alone = Archive::open((dir_ / "alone.db").string());
  ASSERT_TRUE(alone) << alone.error().message;
  auto alone_run = (*alone)->begin_run("import", "test", kNow);
  ASSERT_TRUE(alone_run) << alone_run.error().message;

  const auto first = store_digested(records);
  auto first_alone = (*alone)->store(records, *alone_run, kNow);
  ASSERT_TRUE(first_alone) << first_alone.error().message;
  EXPECT_EQ(first, *first_alone);
  EXPECT_EQ(first, std::vector<StoreOutcome>(records.size(), StoreOutcome::New));

  // Unchanged again; one changed record is a new revision of its entity.
  set_field(records[0], "Result", "Failed");
  const auto second = store_digested(records);
  auto second_alone = (*alone)->store(records, *alone_run, kNow);
  ASSERT_TRUE(second_alone) << second_alone.error().message;
  EXPECT_EQ(second, *second_alone);
  EXPECT_EQ(second[0], StoreOutcome::Updated);
  EXPECT_EQ(second[1], StoreOutcome::Unchanged);

  for (const Record& record : records) EXPECT_EQ(load(record.uid), record) << record.uid;
  alone->reset();
  archive_.reset();
  EXPECT_EQ(revisions_of(path_), revisions_of((dir_ / "alone.db").string()));
  auto report = verify_archive(path_, VerifyOptions{});
  ASSERT_TRUE(report) << report.error().message;
  EXPECT_TRUE(report->ok());
}

}  // namespace
}  // namespace emarchive::storage::fixture
