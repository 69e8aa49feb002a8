#pragma once
// The dashboard's pages as HTML, from what storage/archive_status.h and archive_history.h
// return: pure functions, so that what a page shows is tested without a server or a database.
// docs/DASHBOARD.md describes each page.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/em_time.h"
#include "storage/archive_history.h"
#include "storage/archive_status.h"

namespace emarchive::dashboard {

// What the overview shows besides the archive's status.
struct OverviewView {
  EmTime now = 0;
  EmTime rpo = 24 * kHour;  // a VM whose latest restore point is older is outside its RPO
  // The UTC days of the grid: [first_day, first_day + days * kDay).
  EmTime first_day = 0;
  int days = 0;
  // The first and last job session archived, for the links to older and newer days.
  std::optional<std::pair<EmTime, EmTime>> span;
};

// "/": every job's results per day as a grid, the VMs outside their RPO, the latest failures,
// each EM source's freshness.
std::string overview_page(const storage::StatusSnapshot& status,
                          const std::vector<storage::JobDay>& days,
                          const std::vector<storage::HistoryEntry>& failures,
                          const OverviewView& view);

// A job's runs: duration and size over time, then a table; `limit` runs at most were read (a
// link offers more when `runs` holds that many).
std::string job_page(const storage::JobStatus& job, const std::vector<storage::HistoryEntry>& runs,
                     int limit, EmTime now);

// A VM's backup task sessions, as job_page.
std::string vm_page(const storage::VmStatus& vm, const std::vector<storage::HistoryEntry>& tasks,
                    int limit, EmTime now, EmTime rpo);

// A page saying what was not found (or what went wrong), escaped.
std::string message_page(std::string_view title, std::string_view message, EmTime now);

// The query string of the overview's own links: until (the grid's last day) and rpo (hours).
std::string overview_link(EmTime last_day, EmTime rpo);

}  // namespace emarchive::dashboard
