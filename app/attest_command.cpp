// `emarchive attest --db FILE [--output text|json]`: the chain's head, to keep outside the
// archive (docs/AUDIT.md).

#include <iostream>
#include <memory>
#include <string>

#include <boost/json.hpp>

#include "app/commands.h"
#include "app/reporter.h"
#include "app/run_output.h"
#include "storage/archive.h"

namespace emarchive::app {
namespace {

struct AttestConfig {
  std::string db;
  std::string output = "text";  // text | json
};

int run_attest(const AttestConfig& config) {
  const Reporter report("attest");
  storage::OpenOptions open;
  open.create = false;
  open.read_only = true;
  auto archive = storage::Archive::open(config.db, open);
  if (!archive) return report.fail(kExitFailure, archive.error().message);
  const Expected<storage::ChainHead> head = (*archive)->chain_head();
  if (!head) return report.fail(kExitFailure, head.error().message);
  if (config.output == "json") {
    const boost::json::object out{
        {"sha256", head->digest},
        {"entry", head->entry},
        {"run", head->run_id ? boost::json::value(*head->run_id) : boost::json::value()},
        {"at", head->created_at},
        {"records", head->records},
        {"revisions", head->revisions}};
    std::cout << boost::json::serialize(out) << "\n";
  } else {
    std::cout << attest_line(*head) << "\n";
  }
  return kExitOk;
}

}  // namespace

CommandRunner add_attest_command(CLI::App& app) {
  auto config = std::make_shared<AttestConfig>();
  CLI::App* cmd = app.add_subcommand(
      "attest", "Print the head of the archive's chain, to keep elsewhere (a ticket, syslog)");
  cmd->add_option("--db", config->db, "Archive database file")->required();
  cmd->add_option("--output", config->output, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  return [config](StopSignal&) { return run_attest(*config); };
}

}  // namespace emarchive::app
