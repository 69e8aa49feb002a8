// `emarchive query --db FILE --type TYPE [--filter EXPR] [--sort-asc F | --sort-desc F]
//                  [--limit N | --page-size N [--page N]] [--columns A,B,...]
//                  [--output table|csv|json|xml] [--fail-if-any] [--as-of TIME]`
// Offline questions with the query service's own grammar and engine (api/query_request.h).

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "api/query_request.h"
#include "app/commands.h"
#include "app/reporter.h"
#include "model/codec.h"
#include "model/em_time.h"
#include "model/href.h"
#include "storage/archive.h"
#include "storage/as_of.h"
#include "storage/record_batches.h"

namespace emarchive::app {
namespace {

struct QueryConfig {
  std::string db;
  std::string type;
  std::string filter;
  std::string sort_asc;
  std::string sort_desc;
  std::int64_t limit = 0;            // 0: every match
  std::int64_t page_size = 0;        // 0: no paging (--limit or every match)
  std::int64_t page = 0;             // 0: the first
  std::vector<std::string> columns;  // empty: every field, in default_columns' order
  bool fail_if_any = false;          // exit kExitMatched when anything matched (cron alerts)
  std::string output;  // table | csv | json | xml; default table on a terminal, else csv
  std::string as_of;   // "": now; else as the archive knew it then (storage/as_of.h)
};

// The value of a query field for one record, as the query service compares it; nullopt = none.
class FieldValues {
 public:
  explicit FieldValues(storage::Archive& archive) : archive_(archive) {}

  std::optional<std::string> get(const Record& record, const QueryField& field) {
    switch (field.source) {
      case QuerySource::Uid:
        return record.uid;
      case QuerySource::Name:
        return record.name();
      case QuerySource::Field:
        return record.field(field.element);
      case QuerySource::VmDisplayName: {
        const auto& form = record.entity ? record.entity : record.reference;
        return form ? form->vm_display_name : std::nullopt;
      }
      case QuerySource::JobSessionUid:
        return record.field("JobSessionUid");
      case QuerySource::JobUid:
        if (auto own = record.field("JobUid")) return own;
        if (const Record* parent = parent_of(record)) return parent->field("JobUid");
        return std::nullopt;
      case QuerySource::JobName:
        if (auto own = record.field("JobName")) return own;
        if (const Record* parent = parent_of(record)) return parent->field("JobName");
        return std::nullopt;
      case QuerySource::BackupServerUid:
        if (const Link* up = server_link(record); up && up->href) {
          return std::string(info(Kind::BackupServer).uid_prefix) + std::string(href_id(*up->href));
        }
        return std::nullopt;
      case QuerySource::BackupServerName:
        if (const Link* up = server_link(record)) return up->name;
        return std::nullopt;
      case QuerySource::Duration:
        return duration(record);
    }
    return std::nullopt;
  }

 private:
  static const Link* server_link(const Record& record) {
    for (const auto* form : {&record.entity, &record.reference}) {
      if (!*form) continue;
      for (const Link& l : (*form)->links) {
        if (l.rel == "Up" && l.type == "BackupServerReference") return &l;
      }
    }
    return nullptr;
  }

  // As storage computes it (whole seconds, storage/record_query.cpp).
  static std::optional<std::string> duration(const Record& record) {
    const auto created = record.field("CreationTimeUTC");
    const auto ended = record.field("EndTimeUTC");
    if (!created || !ended) return std::nullopt;
    const auto from = parse_em_time(*created);
    const auto to = parse_em_time(*ended);
    if (!from || !to) return std::nullopt;
    return std::to_string((*to - *from) / kSecond);
  }

  // Task sessions name their job through their job session. Those read are kept, up to
  // kParentsKept: a job session's task sessions are near one another in most orders, and
  // keeping every one, at a million task sessions, took 240 MB.
  const Record* parent_of(const Record& record) {
    const auto parent_uid = record.field("JobSessionUid");
    if (!parent_uid) return nullptr;
    if (parents_.size() >= kParentsKept && !parents_.contains(*parent_uid)) parents_.clear();
    auto [it, inserted] = parents_.try_emplace(*parent_uid);
    if (inserted) {
      if (auto loaded = archive_.load(*parent_uid); loaded && *loaded) it->second = **loaded;
    }
    return it->second ? &*it->second : nullptr;
  }

  storage::Archive& archive_;
  static constexpr std::size_t kParentsKept = 1000;
  std::map<std::string, std::optional<Record>> parents_;
};

// Whether a field names something by UID: last in the default columns, as they are long and
// seldom read (VmUid is compared as text, but is one).
bool is_uid_column(const QueryField& field) {
  return field.type == QueryValueType::Uid || field.name.ends_with("Uid");
}

// The readable default: names first (Name, JobName, VmDisplayName...), then times and Duration,
// then the other values, and UIDs last; otherwise in the type's order.
std::vector<const QueryField*> default_columns(const QueryType& type) {
  const auto rank = [](const QueryField& f) {
    if (is_uid_column(f)) return 4;
    if (f.name.ends_with("Name")) return 0;
    if (f.type == QueryValueType::Time) return 1;
    if (f.source == QuerySource::Duration) return 2;
    return 3;
  };
  std::vector<const QueryField*> columns;
  for (const QueryField& f : type.fields) columns.push_back(&f);
  std::stable_sort(columns.begin(), columns.end(),
                   [&](const QueryField* a, const QueryField* b) { return rank(*a) < rank(*b); });
  return columns;
}

// --columns, each a field of the type (case-insensitive), or the default.
Expected<std::vector<const QueryField*>> columns(const QueryType& type,
                                                 const std::vector<std::string>& names) {
  if (names.empty()) return default_columns(type);
  std::vector<const QueryField*> out;
  for (const std::string& name : names) {
    const QueryField* field = find_query_field(type, name);
    if (!field) {
      std::string known;
      for (const QueryField* f : default_columns(type)) {
        known += known.empty() ? "" : ", ";
        known += f->name;
      }
      return Error{"--columns: '" + name + "' is not a column of " + std::string(type.name) +
                       " (columns: " + known + ")",
                   ErrorCode::invalid_input};
    }
    out.push_back(field);
  }
  return out;
}

std::string csv_cell(const std::optional<std::string>& value) {
  if (!value) return "";
  if (value->find_first_of(",\"\r\n") == std::string::npos) return *value;
  std::string out = "\"";
  for (char c : *value) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// A table is for reading: each cell on one line, at most kMaxCell characters (csv and json keep
// values whole). Widths count UTF-8 code points, not bytes.
constexpr std::size_t kMaxCell = 64;  // a whole UID

std::size_t display_width(std::string_view text) {
  std::size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

std::string table_cell(std::string_view value) {
  std::string out;
  std::size_t width = 0;
  bool pending_space = false;  // white space runs become one space, none at either end
  for (std::size_t i = 0; i < value.size(); ++i) {
    const unsigned char c = value[i];
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      pending_space = !out.empty();
      continue;
    }
    const bool starts_char = (c & 0xC0) != 0x80;
    if (starts_char && width + pending_space >= kMaxCell) {
      out += "\u2026";
      break;
    }
    if (pending_space) {
      out += ' ';
      ++width;
      pending_space = false;
    }
    out += static_cast<char>(c);
    width += starts_char;
  }
  return out;
}

// Integers and booleans as JSON numbers and booleans; everything else as the text EM wrote.
boost::json::value json_value(const QueryField& field, const std::optional<std::string>& text) {
  if (!text) return nullptr;
  if (field.type == QueryValueType::Boolean && (*text == "true" || *text == "false")) {
    return *text == "true";
  }
  if (field.type == QueryValueType::Integer) {
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
    if (ec == std::errc{} && end == text->data() + text->size()) return v;
  }
  return boost::json::string(*text);
}

void print_table(const std::vector<const QueryField*>& columns,
                 const std::vector<std::vector<std::optional<std::string>>>& rows) {
  std::vector<std::vector<std::string>> cells;
  std::vector<std::size_t> width;
  for (const QueryField* f : columns) width.push_back(f->name.size());
  for (const auto& row : rows) {
    auto& line = cells.emplace_back();
    for (std::size_t i = 0; i < row.size(); ++i) {
      line.push_back(row[i] ? table_cell(*row[i]) : "");
      width[i] = std::max(width[i], display_width(line.back()));
    }
  }
  auto print = [&](auto cell) {
    std::string out;
    for (std::size_t i = 0; i < width.size(); ++i) {
      const std::string text = cell(i);
      out += text;
      if (i + 1 < width.size()) out += std::string(width[i] - display_width(text) + 2, ' ');
    }
    std::cout << out << "\n";
  };
  print([&](std::size_t i) { return std::string(columns[i]->name); });
  for (const auto& line : cells) print([&](std::size_t i) { return line[i]; });
}

// Records read and printed at a time: one batch of the archive's streamed answers.
constexpr std::int64_t kBatch = 500;

int run_query(const QueryConfig& config) {
  const Reporter report("query");
  std::vector<std::pair<std::string, std::string>> params = {{"type", config.type}};
  if (!config.filter.empty()) params.emplace_back("filter", config.filter);
  if (!config.sort_asc.empty()) params.emplace_back("sortAsc", config.sort_asc);
  if (!config.sort_desc.empty()) params.emplace_back("sortDesc", config.sort_desc);
  if (config.page_size > 0) params.emplace_back("pageSize", std::to_string(config.page_size));
  if (config.page > 0) params.emplace_back("page", std::to_string(config.page));
  std::string output = config.output;
  if (output.empty()) output = isatty(STDOUT_FILENO) ? "table" : "csv";
  if (output == "xml") params.emplace_back("format", "Entities");

  auto request = api::parse_query_request(params, system_now());
  if (!request) return report.fail(kExitUsage, request.error().message);
  if (config.page_size == 0 && config.page == 0) {
    request->query.offset = 0;
    request->query.limit = config.limit > 0 ? config.limit : -1;
  }
  const auto shown = columns(*request->type, config.columns);
  if (!shown) return report.fail(kExitUsage, shown.error().message);
  if (!config.as_of.empty()) {
    auto at = storage::parse_as_of_time(config.as_of, system_now());
    if (!at) return report.fail(kExitUsage, "--as-of: " + at.error().message);
    request->query.as_of = *at;
  }

  storage::OpenOptions open_options;
  open_options.create = false;
  open_options.read_only = true;
  auto archive = storage::Archive::open(config.db, open_options);
  if (!archive) return report.fail(kExitFailure, archive.error().message);
  // A typo such as Result==Failled would select nothing and, with --fail-if-any, never alert.
  auto unknown = api::unknown_value(**archive, *request);
  if (!unknown) return report.fail(kExitFailure, unknown.error().message);
  if (*unknown) return report.fail(kExitUsage, **unknown);
  // Counted first, then read and printed in batches, so that printing every task session of a
  // large archive as CSV, JSON or XML takes the memory of one batch (a table, whose columns are
  // as wide as their widest cell, is printed once every row is read).
  auto counted = storage::count_matches(**archive, request->query);
  if (!counted) return report.fail(kExitFailure, counted.error().message);
  const std::int64_t total = *counted;
  if (request->query.offset > 0 && request->query.offset >= total) {
    // EM answers an empty page; on the command line it is more likely a mistake.
    const std::int64_t pages = (total + request->page_size - 1) / request->page_size;
    return report.fail(kExitUsage, "--page: page " + std::to_string(request->page) +
                                       " is past the last page, " + std::to_string(pages) + " (" +
                                       std::to_string(total) + " matches, " +
                                       std::to_string(request->page_size) + " a page)");
  }
  storage::RecordBatches batches(request->query, total);
  // Calls `print` with each batch; "" once all are printed, else why the archive failed.
  const auto each_batch = [&](const auto& print) -> std::string {
    while (!batches.done()) {
      auto batch = batches.next(**archive, kBatch);
      if (!batch) return batch.error().message;
      print(*batch);
    }
    return {};
  };

  // Printed first, so that a cron alert mails what matched.
  const int exit_code = config.fail_if_any && total > 0 ? kExitMatched : kExitOk;
  const QueryType& type = *request->type;
  std::string failed;
  if (output == "xml") {
    // EM's own QueryResult, each record's Hrefs with the origin of the EM it came from (an
    // archive may hold several).
    const std::string empty =
        render_query_result(QueryResultContent{type.kind, Form::Entity, {}, std::nullopt}, "");
    if (batches.done()) {
      std::cout << empty;
      return exit_code;
    }
    const ListFrame frame = split_at_empty_list(empty, info(type.kind).list_element);
    std::cout << frame.head;
    failed = each_batch([](const std::vector<Record>& records) {
      std::string out;
      for (const Record& record : records) append_entity(out, record, record.origin, false);
      std::cout << out;
    });
    if (!failed.empty()) return report.fail(kExitFailure, failed);
    std::cout << frame.tail;
    return exit_code;
  }

  FieldValues values(**archive);
  const auto row_of = [&](const Record& record) {
    std::vector<std::optional<std::string>> row;
    for (const QueryField* f : *shown) row.push_back(values.get(record, *f));
    return row;
  };
  if (output == "table") {
    std::vector<std::vector<std::optional<std::string>>> rows;
    failed = each_batch([&](const std::vector<Record>& records) {
      for (const Record& record : records) rows.push_back(row_of(record));
    });
    if (!failed.empty()) return report.fail(kExitFailure, failed);
    print_table(*shown, rows);
  } else if (output == "csv") {
    for (std::size_t i = 0; i < shown->size(); ++i) {
      std::cout << (i ? "," : "") << (*shown)[i]->name;
    }
    std::cout << "\r\n";
    failed = each_batch([&](const std::vector<Record>& records) {
      for (const Record& record : records) {
        const auto row = row_of(record);
        for (std::size_t i = 0; i < row.size(); ++i) {
          std::cout << (i ? "," : "") << csv_cell(row[i]);
        }
        std::cout << "\r\n";
      }
    });
  } else {
    std::cout << '[';
    bool first = true;
    failed = each_batch([&](const std::vector<Record>& records) {
      for (const Record& record : records) {
        const auto row = row_of(record);
        boost::json::object object;
        for (std::size_t i = 0; i < row.size(); ++i) {
          const QueryField& field = *(*shown)[i];
          object[std::string(field.name)] = json_value(field, row[i]);
        }
        std::cout << (first ? "" : ",") << boost::json::serialize(object);
        first = false;
      }
    });
    if (failed.empty()) std::cout << "]\n";
  }
  if (!failed.empty()) return report.fail(kExitFailure, failed);
  return exit_code;
}

// For --limit, --page-size and --page: CLI11's PositiveNumber answers 0 with a range up to
// 1.8e308. CLI11 puts the option's name first.
const CLI::Validator kPositiveInteger(
    [](const std::string& text) -> std::string {
      std::int64_t v = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec == std::errc{} && end == text.data() + text.size() && v >= 1) return {};
      return "'" + text + "' is not a whole number from 1 to " + std::to_string(INT64_MAX);
    },
    "N>=1");

}  // namespace

CommandRunner add_query_command(CLI::App& app) {
  auto config = std::make_shared<QueryConfig>();
  CLI::App* cmd = app.add_subcommand(
      "query", "Ask the archive with EM's query-service grammar (type, filter, sort, limit)");
  cmd->add_option("--db", config->db, "Archive database file")->required();
  cmd->add_option("--type", config->type,
                  "Query type: BackupJobSession, BackupTaskSession, RestoreSession, "
                  "ReplicaJobSession, ReplicaTaskSession, Job, BackupServer")
      ->required();
  cmd->add_option("--filter", config->filter,
                  "EM filter, e.g. 'Result==Failed;CreationTime>=\"2025-01-01T00:00:00Z\"'");
  auto* asc = cmd->add_option("--sort-asc", config->sort_asc, "Sort ascending by this field");
  auto* desc = cmd->add_option("--sort-desc", config->sort_desc, "Sort descending by this field");
  asc->excludes(desc);
  auto* limit = cmd->add_option("--limit", config->limit, "At most this many records")
                    ->check(kPositiveInteger);
  auto* page_size = cmd->add_option("--page-size", config->page_size,
                                    "Records a page, as the query service's pageSize (100 with "
                                    "--page alone)")
                        ->check(kPositiveInteger);
  auto* page = cmd->add_option("--page", config->page, "Which page, from 1 (with --page-size)")
                   ->check(kPositiveInteger);
  limit->excludes(page_size)->excludes(page);
  cmd->add_option("--columns", config->columns,
                  "Columns to print, comma-separated, e.g. Name,CreationTime,Result (default: "
                  "every field, names and times first, UIDs last)")
      ->delimiter(',');
  cmd->add_option("--output", config->output,
                  "table (default on a terminal), csv (default otherwise), json, or xml "
                  "(EM's QueryResult)")
      ->check(CLI::IsMember({"table", "csv", "json", "xml"}));
  cmd->add_option("--as-of", config->as_of,
                  "Answer as the archive knew it at TIME: an xs:dateTime "
                  "(2026-06-01T00:00:00Z) or now-N with s, m, h, d or w (now-7d)");
  cmd->add_flag("--fail-if-any", config->fail_if_any,
                "Exit with 5 when any record matches (after printing them), for cron alerts");
  return [config](StopSignal&) { return run_query(*config); };
}

}  // namespace emarchive::app
