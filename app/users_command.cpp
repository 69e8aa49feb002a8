// `emarchive users add|list|remove --users FILE ...`: the users file that `serve --users FILE`
// checks logons against (salted PBKDF2 hashes, api/users_file.h).

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "api/users_file.h"
#include "app/commands.h"
#include "app/password.h"
#include "app/reporter.h"

namespace emarchive::app {
namespace {

// Shorter passwords are refused: the hashes guard against a stolen file, not against guessing a
// short password, and NIST SP 800-63B asks for at least 8 (15 where it is the only factor).
constexpr std::size_t kMinPasswordLength = 12;

struct UsersConfig {
  std::string users;
  std::string user;
  std::string password_file;
};

// The file's lines as they are (none when it does not exist yet).
std::vector<std::string> read_lines(const std::string& path) {
  std::vector<std::string> lines;
  if (std::ifstream in(path); in) {
    for (std::string line; std::getline(in, line);) lines.push_back(std::move(line));
  }
  return lines;
}

bool is_users_line(const std::string& line, const std::string& user) {
  return line.starts_with(user + ":");
}

// Checks that `lines` parse, then replaces the file with them at once (a temporary file renamed),
// readable by its owner only: hashes are secrets too.
Status write_users_file(const std::string& path, const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  if (auto check = api::UsersFile::parse(text, path); !check) return check.error();
  const std::string temp = path + ".tmp";
  {
    const mode_t old_mask = umask(077);
    std::ofstream out(temp, std::ios::trunc);
    umask(old_mask);
    out << text;
    if (!out.flush()) return Error{temp + ": cannot write", ErrorCode::io};
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec) return Error{path + ": " + ec.message(), ErrorCode::io};
  return Ok{};
}

int run_users_add(const UsersConfig& config) {
  const Reporter report("users add");
  auto password = read_password(config.password_file, "Password for " + config.user + ": ");
  if (!password) return report.fail(kExitUsage, password.error().message);
  if (password->size() < kMinPasswordLength) {
    return report.fail(kExitUsage, "the password is shorter than " +
                                       std::to_string(kMinPasswordLength) + " characters");
  }
  auto line = api::make_users_line(config.user, *password);
  if (!line) return report.fail(kExitUsage, line.error().message);

  // Keep every other line; replace the user's own if present.
  std::vector<std::string> lines = read_lines(config.users);
  bool replaced = false;
  for (std::string& existing : lines) {
    if (is_users_line(existing, config.user)) {
      existing = *line;
      replaced = true;
    }
  }
  if (!replaced) lines.push_back(*line);
  if (Status written = write_users_file(config.users, lines); !written) {
    return report.fail(kExitFailure, written.error().message);
  }
  std::cout << (replaced ? "updated " : "added ") << config.user << " in " << config.users << "\n";
  return kExitOk;
}

int run_users_list(const UsersConfig& config) {
  const Reporter report("users list");
  auto users = api::UsersFile::load(config.users);
  if (!users) return report.fail(kExitFailure, users.error().message);
  for (const std::string& name : users->names()) std::cout << name << "\n";
  return kExitOk;
}

int run_users_remove(const UsersConfig& config) {
  const Reporter report("users remove");
  auto users = api::UsersFile::load(config.users);
  if (!users) return report.fail(kExitFailure, users.error().message);
  const std::vector<std::string> names = users->names();
  if (std::find(names.begin(), names.end(), config.user) == names.end()) {
    return report.fail(kExitFailure, "no user " + config.user + " in " + config.users);
  }
  if (names.size() == 1) {
    return report.fail(kExitFailure, config.user + " is the only user in " + config.users +
                                         "; a users file needs one (delete the file instead)");
  }
  std::vector<std::string> lines = read_lines(config.users);
  std::erase_if(lines, [&](const std::string& line) { return is_users_line(line, config.user); });
  if (Status written = write_users_file(config.users, lines); !written) {
    return report.fail(kExitFailure, written.error().message);
  }
  std::cout << "removed " << config.user << " from " << config.users
            << " (a serve started before reads it again only when restarted)\n";
  return kExitOk;
}

}  // namespace

CommandRunner add_users_command(CLI::App& app) {
  auto config = std::make_shared<UsersConfig>();
  CLI::App* users = app.add_subcommand("users", "Manage the users file of `serve --users`");
  users->require_subcommand(1);
  CLI::App* add = users->add_subcommand(
      "add",
      "Add a user, or set a user's password (from --password-file, EMARCHIVE_PASSWORD, "
      "or the terminal; at least 12 characters)");
  add->add_option("--users", config->users, "Users file (created if missing, mode 0600)")
      ->required();
  add->add_option("--user", config->user, "User name")->required();
  add->add_option("--password-file", config->password_file,
                  "File whose first line is the password");
  CLI::App* list = users->add_subcommand("list", "List the users, one name a line");
  list->add_option("--users", config->users, "Users file")->required();
  CLI::App* remove = users->add_subcommand("remove", "Remove a user");
  remove->add_option("--users", config->users, "Users file")->required();
  remove->add_option("--user", config->user, "User name")->required();
  return [config, add, list](StopSignal&) {
    if (add->parsed()) return run_users_add(*config);
    if (list->parsed()) return run_users_list(*config);
    return run_users_remove(*config);
  };
}

}  // namespace emarchive::app
