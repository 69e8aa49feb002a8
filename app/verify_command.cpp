// `emarchive verify --db FILE [--expect-head HEX] [--output text|json]`: proves that the archive
// holds what was archived (storage/verifier.h, docs/AUDIT.md); exit 4 when it does not.

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <iostream>
#include <memory>
#include <string>

#include <boost/json.hpp>

#include "app/commands.h"
#include "app/reporter.h"
#include "app/run_output.h"
#include "storage/verifier.h"

namespace emarchive::app {
namespace {

struct VerifyConfig {
  std::string db;
  std::string expect_head;      // "" for none
  std::string output = "text";  // text | json
};

// "UID entity revision 2: " for a problem of one revision, "" for one of the whole archive.
std::string where(const storage::VerifyProblem& p) {
  std::string text = p.uid;
  if (!p.form.empty()) text += " " + p.form;
  if (p.revision > 0) text += " revision " + std::to_string(p.revision);
  return text.empty() ? "" : text + ": ";
}

void print_text(const storage::VerifyReport& r, const VerifyConfig& config) {
  std::cout << "verify: " << r.records << " records re-rendered (" << r.representations
            << " current representations), " << r.revisions << " revisions (" << r.documents
            << " stored documents), " << r.chain_entries
            << " chain entries recomputed; SQLite integrity and foreign keys checked; "
            << (r.tallies_checked ? "session tallies counted again\n"
                                  : "session tallies not checked (an unfinished bulk load set "
                                    "them aside)\n");
  std::cout << "verify: head sha256=" << r.head << " entry=" << r.head_entry << "\n";
  if (!config.expect_head.empty() && r.expected_head_entry) {
    std::cout << "verify: the chain recomputed from the revisions as they are now reaches the "
                 "expected head at entry "
              << *r.expected_head_entry << "\n";
  }
  for (const storage::VerifyProblem& p : r.problems) {
    std::cout << "verify: " << where(p) << p.what << "\n";
  }
  if (r.problem_count > static_cast<std::int64_t>(r.problems.size())) {
    std::cout << "verify: ... and "
              << r.problem_count - static_cast<std::int64_t>(r.problems.size())
              << " more problems\n";
  }
  std::cout << (r.ok() ? "verify: OK, the archive holds what was archived\n"
                       : "verify: FAILED, " + std::to_string(r.problem_count) +
                             (r.problem_count == 1 ? " problem" : " problems") +
                             ": the archive was altered or is broken\n");
}

void print_json(const storage::VerifyReport& r, const VerifyConfig& config) {
  boost::json::array problems;
  for (const storage::VerifyProblem& p : r.problems) {
    problems.push_back(
        {{"uid", p.uid.empty() ? boost::json::value() : boost::json::value(p.uid)},
         {"form", p.form.empty() ? boost::json::value() : boost::json::value(p.form)},
         {"revision", p.revision > 0 ? boost::json::value(p.revision) : boost::json::value()},
         {"what", p.what}});
  }
  boost::json::object out{{"ok", r.ok()},
                          {"records", r.records},
                          {"representations", r.representations},
                          {"revisions", r.revisions},
                          {"documents", r.documents},
                          {"chain_entries", r.chain_entries},
                          {"tallies_checked", r.tallies_checked},
                          {"head", {{"sha256", r.head}, {"entry", r.head_entry}}},
                          {"problem_count", r.problem_count},
                          {"problems", std::move(problems)}};
  if (!config.expect_head.empty()) {
    out["expected_head"] = {
        {"sha256", config.expect_head},
        {"entry", r.expected_head_entry ? boost::json::value(*r.expected_head_entry)
                                        : boost::json::value()}};
  }
  std::cout << boost::json::serialize(out) << "\n";
}

int run_verify(const VerifyConfig& config) {
  const Reporter report("verify");
  ProgressLine progress(isatty(STDERR_FILENO));
  storage::VerifyOptions options;
  if (!config.expect_head.empty()) options.expect_head = config.expect_head;
  if (isatty(STDERR_FILENO)) {
    options.progress = [&](std::string_view step, std::int64_t done, std::int64_t total) {
      progress.update("verify: " + std::string(step) + " " + std::to_string(done) + " of " +
                      std::to_string(total));
    };
  }
  const bool hex = config.expect_head.size() == 64 &&
                   std::all_of(config.expect_head.begin(), config.expect_head.end(),
                               [](unsigned char c) { return std::isxdigit(c) != 0; });
  if (options.expect_head && !hex) {
    return report.fail(kExitUsage, "--expect-head: '" + config.expect_head +
                                       "' is not a SHA-256 digest (64 hex digits)");
  }
  const Expected<storage::VerifyReport> verified = storage::verify_archive(config.db, options);
  progress.clear();
  if (!verified) return report.fail(kExitFailure, verified.error().message);
  if (config.output == "json") {
    print_json(*verified, config);
  } else {
    print_text(*verified, config);
  }
  return verified->ok() ? kExitOk : kExitVerifyFailed;
}

}  // namespace

CommandRunner add_verify_command(CLI::App& app) {
  auto config = std::make_shared<VerifyConfig>();
  CLI::App* cmd = app.add_subcommand(
      "verify",
      "Prove that the archive holds what was archived: re-derive every SHA-256, recompute the "
      "chain, check SQLite's integrity (exit 4 when anything was altered or broken)");
  cmd->add_option("--db", config->db, "Archive database file")->required();
  cmd->add_option("--expect-head", config->expect_head,
                  "A head digest kept elsewhere (emarchive attest): prove that everything up to "
                  "it is unaltered");
  cmd->add_option("--output", config->output, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  return [config](StopSignal&) { return run_verify(*config); };
}

}  // namespace emarchive::app
