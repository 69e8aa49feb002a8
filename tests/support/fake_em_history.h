#pragma once
// The history of the hand-written EM that ingest tests run against: the entities of
// tests/data/fake_em, written by hand from docs/EM-API.md, served by FakeEm behind FakeLogon,
// with EM's query service emulated here (filter CreationTime>="...", sortAsc, pageSize and page,
// PagingInfo with First, Next and Last links) without any of emarchive's own code.
//
// Its Hrefs name https://vbem-fake01.contoso-lab.example:9398, a host the client cannot reach,
// as a real EM often names itself:
//   run1/  day 1: 5 backup job sessions (sessions 2, 3 and 5 still Working), 3 task sessions (the
//          last InProgress), job a and the backup server listed by the query service, job b known
//          only through its sessions' links (GET /api/jobs/<b>?format=Entity serves it), no
//          restore or replica sessions. <Type>_*.xml files hold what the query service lists.
//   run2/  day 2: session 5 finished, a new session 6, session 3 finished; session 2 deleted
//          (404, and no longer listed); everything else as on day 1.
//   observed/day1, day2  what monitoring tools read: the summary reports, /repositories (both
//          forms), discovered computers, agent jobs; on day 2 the overview, the repository report
//          and the repository entities changed, the rest is as on day 1; /api/nas/jobs is a 404.

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "tests/support/fake_em.h"

namespace emarchive::testing {

inline constexpr std::string_view kFakeEmUser = "CONTOSO\\svc-archive";
inline constexpr std::string_view kFakeEmPassword = "s3cret: with spaces & ünïcode";

// tests/data/fake_em/<name>
std::filesystem::path fake_em_data(std::string_view name);

class FakeHistory {
 public:
  // Which day EM is at: 1 or 2.
  std::atomic<int> day{1};
  // Consulted first for every request that passed logon (on the server's thread); a response
  // it gives is sent instead of the history's. Set it before the requests it should see.
  std::function<std::optional<FakeResponse>(const FakeRequest&)> fault;
  // Records EM no longer has (true for their UID): left out of every answer. May be empty.
  std::function<bool(std::string_view uid)> hidden;

  FakeResponse answer(const FakeRequest& request) const;
};

// Every record of the archive at `path` (stubs included) with the SHA-256 and number of each of
// its revisions: equal digests mean the same records in the same states with the same history.
std::map<std::string, std::string> archive_digest(const std::string& path);

}  // namespace emarchive::testing
