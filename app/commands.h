#pragma once
// The subcommands of the emarchive front end. Each registers its options on the parser and
// returns the function that runs it; the function returns the process exit code (DESIGN.md:
// 0 success, 1 failure, 2 usage error, 3 finished but some input documents were rejected).

#include <functional>

#include <CLI/CLI.hpp>

namespace emarchive::app {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitRejected = 3;

using CommandRunner = std::function<int()>;

CommandRunner add_import_command(CLI::App& app);
CommandRunner add_ingest_command(CLI::App& app);
CommandRunner add_query_command(CLI::App& app);
CommandRunner add_serve_command(CLI::App& app);
CommandRunner add_simulate_command(CLI::App& app);
CommandRunner add_users_command(CLI::App& app);

}  // namespace emarchive::app
