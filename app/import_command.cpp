// `emarchive import --db FILE PATH...`

#include <unistd.h>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "app/commands.h"
#include "app/reporter.h"
#include "app/run_output.h"
#include "ingest/importer.h"
#include "storage/archive.h"

namespace emarchive::app {
namespace {

struct ImportConfig {
  std::string db;                  // archive file, created if missing
  std::vector<std::string> paths;  // files and directories to import
  std::string attest_log;          // file the chain's head is appended to, "" for none
};

int run_import(const ImportConfig& config) {
  const Reporter report("import");
  auto archive = storage::Archive::open(config.db);
  if (!archive) return report.fail(kExitFailure, archive.error().message);

  ProgressLine progress(isatty(STDERR_FILENO));
  ingest::ImportOptions options;
  options.now = utc_now;
  options.log = [&](std::string_view line) {
    progress.interject([&] { std::cerr << line << "\n"; });
  };
  if (isatty(STDERR_FILENO)) {
    options.progress = [&](const storage::RunCounts& counts) {
      progress.update("import: " + summary(counts));
    };
  }

  const ingest::ImportResult result = ingest::import_paths(**archive, config.paths, options);
  progress.clear();
  std::cout << "import: " << summary(result.counts) << "\n";
  if (!result.fatal_error.empty()) return report.fail(kExitFailure, result.fatal_error);
  if (auto failed = report_head(**archive, config.attest_log, std::cout)) {
    return report.fail(kExitFailure, *failed);
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
  cmd->add_option("--attest-log", config->attest_log,
                  "File to append the chain's head to at the end (created 0600 if missing)");
  return [config](StopSignal&) { return run_import(*config); };
}

}  // namespace emarchive::app
