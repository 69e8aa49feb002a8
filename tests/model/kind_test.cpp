#include "model/kind.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace emarchive {
namespace {

TEST(KindTest, InfoIsIndexedByKind) {
  for (const KindInfo& k : all_kinds()) EXPECT_EQ(&info(k.kind), &k) << k.name;
  EXPECT_EQ(all_kinds().size(), 7u);
}

TEST(KindTest, NamesFollowEmConventions) {
  for (const KindInfo& k : all_kinds()) {
    EXPECT_EQ(k.reference_type, std::string(k.name) + "Reference");
    EXPECT_EQ(k.uid_prefix, "urn:veeam:" + std::string(k.name) + ":");
    EXPECT_FALSE(k.list_element.empty());
    EXPECT_FALSE(k.collection.empty());
  }
}

TEST(KindTest, LookupsFindEveryKindByEveryName) {
  for (const KindInfo& k : all_kinds()) {
    EXPECT_EQ(kind_from_entity_name(k.name), k.kind);
    EXPECT_EQ(kind_from_reference_type(k.reference_type), k.kind);
    EXPECT_EQ(kind_from_list_element(k.list_element), k.kind);
    EXPECT_EQ(kind_from_uid(std::string(k.uid_prefix) + "0f4c2d1e-8a7b-4c3d-9e2f-1a0b9c8d7e6f"),
              k.kind);
  }
}

TEST(KindTest, LookupsRejectOtherNames) {
  EXPECT_EQ(kind_from_entity_name("VmRestorePoint"), std::nullopt);
  EXPECT_EQ(kind_from_entity_name("backupjobsession"), std::nullopt);  // names are exact
  EXPECT_EQ(kind_from_reference_type("VmRestorePointReference"), std::nullopt);
  EXPECT_EQ(kind_from_reference_type("BackupJobSession"), std::nullopt);
  EXPECT_EQ(kind_from_list_element("BackupJobSession"), std::nullopt);
  EXPECT_EQ(kind_from_uid("urn:veeam:VmRestorePoint:1"), std::nullopt);
  EXPECT_EQ(kind_from_uid("urn:VMware:Vm:abc.vm-12"), std::nullopt);
}

TEST(KindTest, CollectionsMatchTheApiPaths) {
  EXPECT_EQ(info(Kind::BackupJobSession).collection, "backupSessions");
  EXPECT_EQ(info(Kind::BackupTaskSession).collection, "backupTaskSessions");
  EXPECT_EQ(info(Kind::RestoreSession).collection, "restoreSessions");
  EXPECT_EQ(info(Kind::ReplicaJobSession).collection, "replicaSessions");
  EXPECT_EQ(info(Kind::ReplicaTaskSession).collection, "replicaTaskSessions");
  EXPECT_EQ(info(Kind::Job).collection, "jobs");
  EXPECT_EQ(info(Kind::BackupServer).collection, "backupServers");
}

TEST(KindTest, FieldsAreInSchemaOrderWithoutRepeats) {
  for (const KindInfo& k : all_kinds()) {
    std::set<std::string_view> seen;
    for (const FieldSpec& f : k.fields) {
      EXPECT_TRUE(seen.insert(f.element).second) << k.name << " repeats " << f.element;
      EXPECT_EQ(f.target.has_value(), f.type == FieldType::Uid) << k.name << "." << f.element;
    }
  }
  const auto& task = info(Kind::BackupTaskSession).fields;
  ASSERT_EQ(task.size(), 8u);
  EXPECT_EQ(task[0].element, "JobSessionUid");
  EXPECT_EQ(task[0].target, Kind::BackupJobSession);
  EXPECT_EQ(task[5].element, "Reason");
  EXPECT_EQ(task[7].element, "VmUid");
  EXPECT_EQ(info(Kind::ReplicaTaskSession).fields[0].target, Kind::ReplicaJobSession);
  EXPECT_EQ(info(Kind::BackupJobSession).fields.back().element, "IsRetry");
}

TEST(KindTest, OnlyTaskAndRestoreSessionsCarryVmDisplayName) {
  for (const KindInfo& k : all_kinds()) {
    bool expected = k.kind == Kind::BackupTaskSession || k.kind == Kind::RestoreSession ||
                    k.kind == Kind::ReplicaTaskSession;
    EXPECT_EQ(k.has_vm_display_name, expected) << k.name;
  }
}

}  // namespace
}  // namespace emarchive

namespace emarchive {
namespace {

TEST(KindTest, CanonicalUidIsEmsSpellingWhateverTheCaseTyped) {
  EXPECT_EQ(canonical_uid("URN:VEEAM:JOB:5D1C0E8A-7B2F-4C3D-9E4A-1F2B3C4D5E6F"),
            "urn:veeam:Job:5d1c0e8a-7b2f-4c3d-9e4a-1f2b3c4d5e6f");
  EXPECT_EQ(canonical_uid("urn:veeam:BackupTaskSession:ABC"), "urn:veeam:BackupTaskSession:abc");
  // Not a UID of an archived kind: left alone.
  EXPECT_EQ(canonical_uid("urn:VMware:Vm:ABC.vm-12"), "urn:VMware:Vm:ABC.vm-12");
  EXPECT_EQ(canonical_uid(""), "");
}

}  // namespace
}  // namespace emarchive
