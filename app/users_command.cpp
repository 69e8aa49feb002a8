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

namespace emarchive::app {
namespace {

struct UsersAddConfig {
  std::string users;
  std::string user;
  std::string password_file;
};

int run_users_add(const UsersAddConfig& config) {
  auto password = read_password(config.password_file, "Password for " + config.user + ": ");
  if (!password) {
    std::cerr << "emarchive users add: " << password.error().message << "\n";
    return kExitUsage;
  }
  if (password->empty()) {
    std::cerr << "emarchive users add: the password is empty\n";
    return kExitUsage;
  }
  auto line = api::make_users_line(config.user, *password);
  if (!line) {
    std::cerr << "emarchive users add: " << line.error().message << "\n";
    return kExitUsage;
  }

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
    std::cerr << "emarchive users add: " << check.error().message << "\n";
    return kExitFailure;
  }

  const std::string temp = config.users + ".tmp";
  {
    const mode_t old_mask = umask(077);  // hashes are secrets too: owner only
    std::ofstream out(temp, std::ios::trunc);
    umask(old_mask);
    out << kept;
    if (!out.flush()) {
      std::cerr << "emarchive users add: " << temp << ": cannot write\n";
      return kExitFailure;
    }
  }
  std::error_code ec;
  std::filesystem::rename(temp, config.users, ec);
  if (ec) {
    std::cerr << "emarchive users add: " << config.users << ": " << ec.message() << "\n";
    return kExitFailure;
  }
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
  return [config] { return run_users_add(*config); };
}

}  // namespace emarchive::app
