// `emarchive import --db FILE PATH...`

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <date/date.h>

#include "app/commands.h"
#include "ingest/importer.h"
#include "storage/archive.h"

namespace emarchive::app {
namespace {

struct ImportConfig {
  std::string db;                  // archive file, created if missing
  std::vector<std::string> paths;  // files and directories to import
};

std::string utc_now() {
  using namespace std::chrono;
  return date::format("%FT%TZ", floor<microseconds>(system_clock::now()));
}

std::string summary(const storage::RunCounts& c) {
  return std::to_string(c.documents) + " documents read, " + std::to_string(c.records_new) +
         " records new, " + std::to_string(c.records_updated) + " updated, " +
         std::to_string(c.records_unchanged) + " unchanged, " + std::to_string(c.rejected) +
         " documents rejected";
}

// Rewrites one status line on a terminal, at most ten times a second.
class ProgressLine {
 public:
  void update(const storage::RunCounts& counts) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    std::fprintf(stderr, "\rimport: %s", summary(counts).c_str());
    std::fflush(stderr);
    shown_ = true;
  }
  // Clears the line before anything else is printed.
  void clear() {
    if (!shown_) return;
    std::fprintf(stderr, "\r\033[K");
    shown_ = false;
  }

 private:
  std::chrono::steady_clock::time_point last_{};
  bool shown_ = false;
};

int run_import(const ImportConfig& config) {
  auto archive = storage::Archive::open(config.db);
  if (!archive) {
    std::cerr << "emarchive import: " << archive.error().message << "\n";
    return kExitFailure;
  }

  ProgressLine progress;
  ingest::ImportOptions options;
  options.now = utc_now;
  options.log = [&](std::string_view line) {
    progress.clear();
    std::cerr << line << "\n";
  };
  if (isatty(STDERR_FILENO)) {
    options.progress = [&](const storage::RunCounts& counts) { progress.update(counts); };
  }

  const ingest::ImportResult result = ingest::import_paths(**archive, config.paths, options);
  progress.clear();
  std::cout << "import: " << summary(result.counts) << "\n";
  if (!result.fatal_error.empty()) {
    std::cerr << "emarchive import: " << result.fatal_error << "\n";
    return kExitFailure;
  }
  return result.counts.rejected > 0 ? kExitRejected : kExitOk;
}

}  // namespace

CommandRunner add_import_command(CLI::App& app) {
  auto config = std::make_shared<ImportConfig>();
  CLI::App* cmd = app.add_subcommand(
      "import",
      "Import EM XML documents (EntityRef, entity, EntityReferences, entity lists, QueryResult) "
      "from files and directories (recursively, *.xml)");
  cmd->add_option("--db", config->db, "Archive database file (created if missing)")->required();
  cmd->add_option("paths", config->paths, "Files and directories to import")->required();
  return [config] { return run_import(*config); };
}

}  // namespace emarchive::app
