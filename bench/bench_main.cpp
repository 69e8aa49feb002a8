// emarchive_bench: the in-process parts of scripts/bench (docs/BENCHMARKS.md). Each subcommand
// prints its results as key=value lines on stdout, for the script to read; errors go to stderr
// with exit status 1.
//
//   generate --out DIR --tasks N [--per-file 1000] [--seed 1] [--job-sessions-out DIR]
//       BackupTaskSession entities from sim/ as EM QueryResult pages (entities form), one file
//       per page, so that `emarchive import` and the pugixml baseline read the same bytes; and
//       their BackupJobSessions, in files of their own, for the per-job queries.
//   pugixml PATH...
//       The baseline: every file read and parsed by pugixml (load_buffer), nothing more.
//   query --db FILE [--filter EXPR] [--type BackupTaskSession] [--sort-desc F] [--page-size 100]
//         [--runs 11]
//       Median latency of Archive::query for the first, the last and the middle page of the
//       filter's matches (without one, of every record of the type), compiled the way the query
//       service compiles it (api/query_request.h).
//   floor --from FILE --db FILE
//       SQLite's floor for an import: the rows of the archive FILE copied into a new archive by
//       SQL alone, within a bulk load (bench/sqlite_floor.h).

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>
#include <pugixml.hpp>

#include "api/query_request.h"
#include "bench/clock.h"
#include "bench/sqlite_floor.h"
#include "model/codec.h"
#include "model/em_time.h"
#include "sim/history.h"
#include "storage/archive.h"

namespace emarchive::bench {
namespace {

namespace fs = std::filesystem;

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

std::string read_file(const fs::path& path) {
  // As `emarchive import` reads (ingest/importer.cpp).
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (!in.is_open() || in.bad()) throw std::runtime_error(path.string() + ": cannot read file");
  return std::move(buffer).str();
}

struct GenerateConfig {
  std::string out;
  std::string job_sessions_out;  // also write the job sessions there (the query archive's)
  std::int64_t tasks = 0;
  std::int64_t per_file = 1000;
  std::uint64_t seed = 1;
};

// sim/ emits about 0.8 backup task sessions per VM and day (some VMs are replicated, some
// tasks retried); 2,000 VMs give a year of history per 600,000 task sessions.
constexpr int kVms = 2000;
constexpr int kJobs = 100;
constexpr double kTasksPerVmDay = 0.7;  // a lower bound, so that enough days are generated

// Entities of one kind as QueryResult files of `per_file`, page-000001.xml on, in `dir`.
class PageWriter {
 public:
  PageWriter(std::string dir, Kind kind, std::int64_t per_file, std::int64_t expected)
      : dir_(std::move(dir)), kind_(kind), per_file_(per_file), expected_(expected) {
    fs::create_directories(dir_);
  }

  void add(Record&& record) {
    page_.push_back(std::move(record));
    if (static_cast<std::int64_t>(page_.size()) == per_file_) flush();
  }

  void flush() {
    if (page_.empty()) return;
    ++files_;
    PagingInfo paging;
    paging.page_num = files_;
    paging.page_size = per_file_;
    paging.pages_count = (expected_ + per_file_ - 1) / per_file_;
    const std::string xml =
        render_query_result({kind_, Form::Entity, page_, paging, false}, "https://em.bench:9398");
    char name[32];
    std::snprintf(name, sizeof name, "page-%06lld.xml", static_cast<long long>(files_));
    std::ofstream out(fs::path(dir_) / name, std::ios::binary);
    out << xml;
    if (!out.flush()) throw std::runtime_error(dir_ + "/" + name + ": cannot write");
    bytes_ += static_cast<std::int64_t>(xml.size());
    page_.clear();
  }

  std::int64_t files() const { return files_; }
  std::int64_t bytes() const { return bytes_; }

 private:
  std::string dir_;
  Kind kind_;
  std::int64_t per_file_;
  std::int64_t expected_;  // for PagingInfo
  std::vector<Record> page_;
  std::int64_t files_ = 0;
  std::int64_t bytes_ = 0;
};

int generate(const GenerateConfig& config) {
  // A fixed `now`, so that every run generates the same documents.
  const EmTime now = *parse_em_time("2026-01-01T00:00:00Z");
  sim::HistoryOptions options;
  options.seed = config.seed;
  options.vms = kVms;
  options.jobs = kJobs;
  options.days = static_cast<int>(static_cast<double>(config.tasks) / (kVms * kTasksPerVmDay)) + 2;

  PageWriter task_pages(config.out, Kind::BackupTaskSession, config.per_file, config.tasks);
  std::optional<PageWriter> job_session_pages;
  if (!config.job_sessions_out.empty()) {
    // Their number is not known ahead; PagingInfo is not what import reads.
    job_session_pages.emplace(config.job_sessions_out, Kind::BackupJobSession, config.per_file,
                              config.per_file);
  }
  std::int64_t tasks = 0;
  EmTime first = 0;
  EmTime last = 0;
  sim::generate(options, now, [&](std::vector<Record>&& batch) {
    for (Record& record : batch) {
      if (tasks == config.tasks) return;
      if (record.kind == Kind::BackupJobSession && job_session_pages) {
        job_session_pages->add(std::move(record));
        continue;
      }
      if (record.kind != Kind::BackupTaskSession) continue;
      const EmTime created = *parse_em_time(*record.field("CreationTimeUTC"));
      if (tasks == 0) first = created;
      last = created;
      ++tasks;
      task_pages.add(std::move(record));
    }
  });
  task_pages.flush();
  if (job_session_pages) job_session_pages->flush();
  if (tasks < config.tasks) {
    std::cerr << "generate: sim/ gave only " << tasks << " task sessions of " << config.tasks
              << "\n";
    return 1;
  }
  // The middle half of the span the task sessions were created in: a range for the query.
  const EmTime quarter = (last - first) / 4;
  std::cout << "tasks=" << tasks << "\nfiles=" << task_pages.files()
            << "\nxml_bytes=" << task_pages.bytes()
            << "\nrange_from=" << format_em_time(first + quarter)
            << "\nrange_to=" << format_em_time(last - quarter) << "\n";
  return 0;
}

std::vector<fs::path> xml_files(const std::vector<std::string>& paths) {
  std::vector<fs::path> files;
  for (const std::string& p : paths) {
    if (!fs::is_directory(p)) {
      files.emplace_back(p);
      continue;
    }
    for (const auto& entry : fs::recursive_directory_iterator(p)) {
      if (entry.is_regular_file() && entry.path().extension() == ".xml") {
        files.push_back(entry.path());
      }
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Reads and parses like `emarchive import` does (one file at a time), counting the entities of
// each QueryResult: the least walking that still says how many documents were parsed.
int pugixml_baseline(const std::vector<std::string>& paths) {
  const std::vector<fs::path> files = xml_files(paths);
  const Clock::time_point start = Clock::now();
  std::int64_t documents = 0;
  std::int64_t bytes = 0;
  for (const fs::path& path : files) {
    const std::string text = read_file(path);
    bytes += static_cast<std::int64_t>(text.size());
    pugi::xml_document doc;
    const pugi::xml_parse_result parsed = doc.load_buffer(text.data(), text.size());
    if (!parsed) {
      std::cerr << path.string() << ": " << parsed.description() << "\n";
      return 1;
    }
    for (pugi::xml_node list : doc.document_element().child("Entities").children()) {
      documents += std::distance(list.begin(), list.end());
    }
  }
  const double elapsed = seconds_since(start);
  std::cout << "files=" << files.size() << "\ndocuments=" << documents << "\nxml_bytes=" << bytes
            << "\nseconds=" << elapsed
            << "\ndocs_per_s=" << static_cast<double>(documents) / elapsed << "\n";
  return 0;
}

struct QueryConfig {
  std::string db;
  std::string type = "BackupTaskSession";
  std::string filter;
  std::string sort_desc = "CreationTime";
  std::int64_t page_size = 100;
  int runs = 11;
};

api::QueryRequest query_request(const QueryConfig& config, std::int64_t page) {
  std::vector<std::pair<std::string, std::string>> params = {
      {"type", config.type},
      {"format", "Entities"},
      {"sortDesc", config.sort_desc},
      {"pageSize", std::to_string(config.page_size)},
      {"page", std::to_string(page)}};
  // Without one, every record of the type: a collection's count.
  if (!config.filter.empty()) params.emplace_back("filter", config.filter);
  auto request = api::parse_query_request(params, system_now());
  if (!request) throw std::runtime_error("query: " + request.error().message);
  return std::move(*request);
}

// Median milliseconds of Archive::query for one page, after one untimed run that warms the
// page cache and the planner, as a long-running server would be.
double time_page(storage::Archive& archive, const storage::RecordQuery& query, int runs,
                 std::int64_t& total, std::size_t& records) {
  std::vector<double> ms;
  for (int i = 0; i <= runs; ++i) {
    const Clock::time_point start = Clock::now();
    auto page = archive.query(query);
    const double elapsed = seconds_since(start) * 1000;
    if (!page) throw std::runtime_error(page.error().message);
    total = page->total;
    records = page->records.size();
    if (i > 0) ms.push_back(elapsed);
  }
  return median(ms);
}

int query(const QueryConfig& config) {
  storage::OpenOptions options;
  options.create = false;
  options.read_only = true;
  auto archive = storage::Archive::open(config.db, options);
  if (!archive) {
    std::cerr << archive.error().message << "\n";
    return 1;
  }
  std::int64_t total = 0;
  std::size_t first_records = 0;
  const double first_ms =
      time_page(**archive, query_request(config, 1).query, config.runs, total, first_records);
  const std::int64_t last_page =
      std::max<std::int64_t>(1, (total + config.page_size - 1) / config.page_size);
  std::size_t last_records = 0;
  const double last_ms = time_page(**archive, query_request(config, last_page).query, config.runs,
                                   total, last_records);
  // The page farthest from both ends, which neither end's reading shortens.
  const std::int64_t middle_page = (last_page + 1) / 2;
  std::size_t middle_records = 0;
  const double middle_ms = time_page(**archive, query_request(config, middle_page).query,
                                     config.runs, total, middle_records);
  std::cout << "matches=" << total << "\nfirst_page_records=" << first_records
            << "\nfirst_page_ms=" << first_ms << "\nlast_page=" << last_page
            << "\nlast_page_records=" << last_records << "\nlast_page_ms=" << last_ms
            << "\nmiddle_page=" << middle_page << "\nmiddle_page_records=" << middle_records
            << "\nmiddle_page_ms=" << middle_ms << "\n";
  return 0;
}

int run(int argc, char** argv) {
  CLI::App app("emarchive's benchmark driver (scripts/bench)");
  app.require_subcommand(1);

  GenerateConfig generate_config;
  CLI::App* gen = app.add_subcommand("generate", "Task sessions from sim/ as QueryResult files");
  gen->add_option("--out", generate_config.out, "Directory to write")->required();
  gen->add_option("--tasks", generate_config.tasks, "Task sessions")
      ->required()
      ->check(CLI::PositiveNumber);
  gen->add_option("--per-file", generate_config.per_file, "Task sessions per file")
      ->check(CLI::PositiveNumber);
  gen->add_option("--seed", generate_config.seed, "sim/ seed");
  gen->add_option("--job-sessions-out", generate_config.job_sessions_out,
                  "Also write the task sessions' job sessions, as QueryResult files, here");

  std::vector<std::string> paths;
  CLI::App* pugi = app.add_subcommand("pugixml", "Parse files with pugixml alone (baseline)");
  pugi->add_option("paths", paths, "Files and directories")->required();

  QueryConfig query_config;
  CLI::App* q =
      app.add_subcommand("query", "Time Archive::query for the first, last and middle page");
  q->add_option("--db", query_config.db, "Archive")->required();
  q->add_option("--filter", query_config.filter, "Query service filter (none: every record)");
  q->add_option("--type", query_config.type, "Query type");
  q->add_option("--sort-desc", query_config.sort_desc, "Field to sort descending by");
  q->add_option("--page-size", query_config.page_size, "Page size")->check(CLI::PositiveNumber);
  q->add_option("--runs", query_config.runs, "Timed runs per page")->check(CLI::PositiveNumber);

  std::string floor_from;
  std::string floor_db;
  CLI::App* floor =
      app.add_subcommand("floor", "Copy an archive's rows into a new one by SQL (import's floor)");
  floor->add_option("--from", floor_from, "Archive to copy")->required();
  floor->add_option("--db", floor_db, "New archive to create")->required();

  CLI11_PARSE(app, argc, argv);
  if (*gen) return generate(generate_config);
  if (*pugi) return pugixml_baseline(paths);
  if (*floor) return sqlite_floor(floor_from, floor_db);
  return query(query_config);
}

}  // namespace
}  // namespace emarchive::bench

int main(int argc, char** argv) {
  // As emarchive's own commands, so that import's floor and the query timings pay what they pay.
  emarchive::storage::prepare_database_engine();
  try {
    return emarchive::bench::run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "emarchive_bench: " << e.what() << "\n";
    return 1;
  }
}
