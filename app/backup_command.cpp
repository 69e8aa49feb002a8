// `emarchive backup --db FILE --to FILE`: a consistent, checked copy of an archive while ingest
// and serve go on using it (storage/backup.h).

#include <iostream>
#include <memory>
#include <string>

#include "app/commands.h"
#include "app/reporter.h"
#include "storage/backup.h"

namespace emarchive::app {
namespace {

struct BackupConfig {
  std::string db;
  std::string to;
};

int run_backup(const BackupConfig& config) {
  const Reporter report("backup");
  auto copied = storage::backup_archive(config.db, config.to);
  if (!copied) return report.fail(kExitFailure, copied.error().message);
  std::cout << "backup: " << config.to << ": " << copied->records << " records, " << copied->bytes
            << " bytes, schema version " << copied->schema_version << "; integrity checked\n";
  return kExitOk;
}

}  // namespace

CommandRunner add_backup_command(CLI::App& app) {
  auto config = std::make_shared<BackupConfig>();
  CLI::App* cmd = app.add_subcommand(
      "backup",
      "Write a consistent copy of an archive, even while ingest writes it, and check the copy");
  cmd->add_option("--db", config->db, "Archive database file")->required();
  cmd->add_option("--to", config->to, "The copy: a new file (mode 0600), never overwritten")
      ->required();
  return [config](StopSignal&) { return run_backup(*config); };
}

}  // namespace emarchive::app
