// emarchive: a long-term archive for Veeam Backup Enterprise Manager's REST API.

#include <iostream>
#include <string>
#include <system_error>
#include <utility>

#include <CLI/CLI.hpp>

#include "app/commands.h"
#include "app/reporter.h"
#include "storage/archive.h"

#ifndef EMARCHIVE_VERSION
#define EMARCHIVE_VERSION "unknown"
#endif

int main(int argc, char** argv) {
  namespace cmd = emarchive::app;
  // Before any thread starts, so that every thread inherits the blocked signals.
  cmd::StopSignal stop;

  CLI::App app{"emarchive: a long-term archive of Veeam Backup Enterprise Manager's sessions"};
  app.set_version_flag("--version", "emarchive " EMARCHIVE_VERSION);
  app.require_subcommand(1);

  const std::pair<std::string, cmd::CommandRunner> commands[] = {
      {"import", cmd::add_import_command(app)},
      {"ingest", cmd::add_ingest_command(app)},
      {"serve", cmd::add_serve_command(app)},
      {"simulate", cmd::add_simulate_command(app)},
      {"query", cmd::add_query_command(app)},
      {"users", cmd::add_users_command(app)},
      {"backup", cmd::add_backup_command(app)},
      {"report", cmd::add_report_command(app)},
      {"verify", cmd::add_verify_command(app)},
      {"attest", cmd::add_attest_command(app)},
  };

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return cmd::kExitUsage;
  }
  emarchive::storage::prepare_database_engine();
  for (const auto& [name, run] : commands) {
    if (!app.got_subcommand(name)) continue;
    // What the system refuses a command as it starts (a thread, the mapping of serve's cache,
    // under a low `ulimit -v`): said as a failure of the command, not an abort.
    try {
      return run(stop);
    } catch (const std::system_error& e) {
      return cmd::Reporter(name).fail(cmd::kExitFailure, e.what());
    }
  }
  return cmd::kExitUsage;
}
