// `emarchive users add --users FILE --user NAME [--password-file FILE]`: writes the users file
// that `serve --users FILE` checks logons against (salted PBKDF2 hashes, api/users_file.h).

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include "api/users_file.h"
#include "app/commands.h"
#include "app/password.h"
#include "app/reporter.h"

namespace emarchive::app {
namespace {

struct UsersAddConfig {
  std::string users;
  std::string user;
  std::string password_file;
};

int run_users_add(const UsersAddConfig& config) {
  const Reporter report("users add");
  auto password = read_password(config.password_file, "Password for " + config.user + ": ");
  if (!password) return report.fail(kExitUsage, password.error().message);
  if (password->empty()) return report.fail(kExitUsage, "the password is empty");
  auto line = api::make_users_line(config.user, *password);
  if (!line) return report.fail(kExitUsage, line.error().message);

  // Keep every other line; replace the user's own if present.
  std::string kept;
  bool replaced = false;
  if (std::ifstream in(config.users); in) {
    for (std::string existing; std::getline(in, existing);) {
      if (existing.starts_with(config.user + ":")) {
        existing = *line;
        replaced = true;
      }
      kept += existing + "\n";
    }
  }
  if (!replaced) kept += *line + "\n";
  // Check the result parses before it replaces the file.
  if (auto check = api::UsersFile::parse(kept, config.users); !check) {
    return report.fail(kExitFailure, check.error().message);
  }

  const std::string temp = config.users + ".tmp";
  {
    const mode_t old_mask = umask(077);  // hashes are secrets too: owner only
    std::ofstream out(temp, std::ios::trunc);
    umask(old_mask);
    out << kept;
    if (!out.flush()) return report.fail(kExitFailure, temp + ": cannot write");
  }
  std::error_code ec;
  std::filesystem::rename(temp, config.users, ec);
  if (ec) return report.fail(kExitFailure, config.users + ": " + ec.message());
  std::cout << (replaced ? "updated " : "added ") << config.user << " in " << config.users << "\n";
  return kExitOk;
}

}  // namespace

CommandRunner add_users_command(CLI::App& app) {
  auto config = std::make_shared<UsersAddConfig>();
  CLI::App* users = app.add_subcommand("users", "Manage the users file of `serve --users`");
  users->require_subcommand(1);
  CLI::App* add = users->add_subcommand(
      "add",
      "Add a user, or set a user's password (from --password-file, EMARCHIVE_PASSWORD, "
      "or the terminal)");
  add->add_option("--users", config->users, "Users file (created if missing, mode 0600)")
      ->required();
  add->add_option("--user", config->user, "User name")->required();
  add->add_option("--password-file", config->password_file,
                  "File whose first line is the password");
  return [config](StopSignal&) { return run_users_add(*config); };
}

}  // namespace emarchive::app
