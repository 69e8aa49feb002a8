#pragma once
// The history of the hand-written EM that ingest tests run against: the documents of
// tests/data/fake_em, written by hand from reference/em-api.md, served by FakeEm behind FakeLogon.
//
// Its Hrefs name https://vbem-fake01.contoso-lab.example:9398, a host the client cannot reach,
// as a real EM often names itself:
//   run1/  5 backup job sessions on 3 pages of 2 (sessions 2, 3 and 5 still Working), 3 task
//          sessions on 2 pages (the last InProgress), job a and the backup server listed, job b
//          known only through its sessions' links (GET /api/jobs/<b> serves it), no restore or
//          replica sessions.
//   run2/  what the same EM answers a day later: from the bookmark minus the overlap, session 5
//          finished and a new session 6; task 3 unchanged; session 3 (older than the window)
//          finished when asked for by itself; session 2 deleted (404).
// Query pages are looked up by type and page number; filters are not applied (the documents
// already are what EM answers).

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "tests/ingest/fake_em.h"

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

  FakeResponse answer(const FakeRequest& request) const;
};

// Every record of the archive at `path` (stubs included) with the SHA-256 and number of each of
// its revisions: equal digests mean the same records in the same states with the same history.
std::map<std::string, std::string> archive_digest(const std::string& path);

}  // namespace emarchive::testing
