#pragma once
// The configuration file of `emarchive ingest --config FILE`: the EMs to follow, one section
// each (docs/OPERATIONS.md, "The configuration file", lists every key):
//
//   # Lines starting with # or ; are comments.
//   [source "paris"]
//   url           = https://em-paris.example:9398
//   user          = CONTOSO\svc-archive
//   password_file = /etc/emarchive/paris.password
//   ca_file       = /etc/emarchive/contoso-ca.pem
//   interval      = 5m
//
// An INI-like format, as git and systemd use, read by this strict parser: no new dependency, and
// every mistake (an unknown key or section, a key twice, a missing key, a value that does not
// parse, an interval under the floor, a password file that cannot be read) is refused with
// FILE:LINE and the reason, before anything runs.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/em_time.h"
#include "model/expected.h"
#include "model/query_type.h"

namespace emarchive::app {

// The shortest interval `ingest` accepts, with --config or --follow: each run logs on to EM,
// asks for every type and logs off, and a tighter loop only loads EM.
inline constexpr std::chrono::seconds kMinIngestInterval{30};

// One [source "NAME"] section.
struct SourceConfig {
  std::string name;  // letters, digits, '.', '_', '-'
  int line = 0;      // of the section header
  std::string url;
  std::string user;
  std::string password;       // the first line of password_file
  std::string password_file;  // absolute or relative to the working directory
  std::string ca_file;        // "" = the system's CAs
  bool insecure = false;
  std::chrono::seconds interval{std::chrono::minutes(5)};
  std::vector<const QueryType*> types;  // empty = the default types
  std::optional<EmTime> since;
  int page_size = 500;
  int retries = 5;
  std::chrono::seconds overlap{std::chrono::hours(1)};
};

struct FollowerConfig {
  std::vector<SourceConfig> sources;  // in file order, at least one
  // What is accepted but unwise, as FILE:LINE: MESSAGE: a password file that other users can
  // read, insecure = true.
  std::vector<std::string> warnings;
};

// Parses `text`, the contents of the file named `file` (for messages). Reads each password file
// (so that a missing one is refused here, not at the first run). Intervals under `min_interval`
// are refused (the command passes kMinIngestInterval). Errors are invalid_input, io for a password
// file that cannot be read, each "FILE:LINE: MESSAGE".
[[nodiscard]] Expected<FollowerConfig> parse_follower_config(std::string_view text,
                                                             std::string_view file,
                                                             std::chrono::seconds min_interval);

// Reads `path` and parses it as above.
[[nodiscard]] Expected<FollowerConfig> load_follower_config(const std::string& path,
                                                            std::chrono::seconds min_interval);

// --since and `since`: "2026-01-31" (midnight UTC) or an xs:dateTime "2026-01-31T12:00:00Z".
[[nodiscard]] Expected<EmTime> parse_since(std::string_view text);

}  // namespace emarchive::app
