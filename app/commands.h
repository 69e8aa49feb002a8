#pragma once
// The subcommands of the emarchive front end. Each registers its options on the parser and
// returns the function that runs it; the function returns the process exit code (0 success,
// 1 failure, 2 usage error, 3 finished but some input documents were rejected, 4 `verify` found
// the archive altered or broken, 5 `query --fail-if-any` matched; README.md), and reports errors
// through a Reporter (reporter.h). It is handed main()'s StopSignal: a command that runs for long
// watches it and stops gracefully on SIGINT or SIGTERM (stop_signal.h).

#include <functional>

#include <CLI/CLI.hpp>

#include "app/stop_signal.h"

namespace emarchive::app {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitRejected = 3;
inline constexpr int kExitVerifyFailed = 4;  // verify: the archive was altered or broken
inline constexpr int kExitMatched = 5;       // query --fail-if-any: something matched

using CommandRunner = std::function<int(StopSignal&)>;

CommandRunner add_import_command(CLI::App& app);
CommandRunner add_ingest_command(CLI::App& app);
CommandRunner add_query_command(CLI::App& app);
CommandRunner add_serve_command(CLI::App& app);
CommandRunner add_simulate_command(CLI::App& app);
CommandRunner add_users_command(CLI::App& app);
CommandRunner add_backup_command(CLI::App& app);
CommandRunner add_report_command(CLI::App& app);
CommandRunner add_verify_command(CLI::App& app);
CommandRunner add_attest_command(CLI::App& app);

}  // namespace emarchive::app
