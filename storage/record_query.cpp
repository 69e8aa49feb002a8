#include "storage/record_query.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <charconv>
#include <limits>

#include "model/ascii.h"
#include "model/kind.h"
#include "storage/as_of.h"
#include "storage/end_time_range.h"
#include "storage/session_tallies.h"
#include "storage/size_range.h"
#include "storage/table_names.h"

namespace emarchive::storage {
namespace {

// The id of the record of a UID, by index; one parameter, the canonical UID.
constexpr std::string_view kIdOfUid = "(SELECT id FROM records WHERE uid = ?)";

// `column` (a record id) is one of the backup servers of a name, by index; one parameter, the
// name. The filter and the tally count use it.
std::string is_server_named(std::string_view column) {
  return std::string(column) +
         " IN (SELECT b.record_id FROM backup_servers b WHERE b.name = ? COLLATE NOCASE)";
}

// kinds.id is the Kind's enum value + 1 (migrations/001_initial.sql).
std::int64_t kind_id(Kind kind) {
  return static_cast<std::int64_t>(kind) + 1;
}

const FieldSpec* field_spec(Kind kind, std::string_view element) {
  for (const FieldSpec& spec : info(kind).fields) {
    if (spec.element == element) return &spec;
  }
  return nullptr;
}

// The SQL expression for a field's value, over the alias t (the kind's table).
std::string value_expr(Kind kind, const QueryField& field) {
  switch (field.source) {
    case QuerySource::Uid:
      return "(SELECT uid FROM records WHERE id = t.record_id)";
    case QuerySource::Name:
      return "t.name";
    case QuerySource::VmDisplayName:
      return "t.vm_display_name";
    case QuerySource::Field: {
      const FieldSpec* spec = field_spec(kind, field.element);
      const std::string column = "t." + std::string(spec->column);
      if (spec->type == FieldType::Time) return column + "_ns";
      if (spec->type == FieldType::Uid)
        return "(SELECT uid FROM records WHERE id = " + column + ")";
      return column;
    }
    case QuerySource::JobUid:
      // A task session's job, as its job name, is its job session's, which the schema copies
      // onto it (migrations/009_task_job_names.sql, 019_task_jobs.sql).
      return "(SELECT uid FROM records WHERE id = t.job_id)";
    case QuerySource::JobName:
      return "t.job_name";
    case QuerySource::JobSessionUid:
      return "(SELECT uid FROM records WHERE id = t.parent_id)";
    case QuerySource::BackupServerUid:
      return "(SELECT uid FROM records WHERE id = t.backup_server_id)";
    case QuerySource::BackupServerName:
      return "(SELECT name FROM backup_servers WHERE record_id = t.backup_server_id)";
    case QuerySource::Duration:
      return "((t.end_time_ns - t.creation_time_ns) / 1000000000)";
  }
  return "NULL";
}

// An enum field's position in its documented order (EM compares and orders enums so), NULL for
// values outside it. The list is ours, not the client's: it may be SQL text.
std::string enum_rank(const QueryField& field, const std::string& expr) {
  std::string rank = "(CASE lower(" + expr + ")";
  for (std::size_t i = 0; i < field.enum_order.size(); ++i) {
    std::string lower;
    for (char c : field.enum_order[i]) lower += ascii_lower(c);
    rank += " WHEN '" + lower + "' THEN " + std::to_string(i);
  }
  return rank + " END)";
}

// For UID fields held as a record id in t: the id column, so that equality uses its index.
std::optional<std::string> id_column(const QueryField& field) {
  switch (field.source) {
    case QuerySource::Uid:
      return "t.record_id";
    case QuerySource::JobUid:
      return "t.job_id";
    case QuerySource::JobSessionUid:
      return "t.parent_id";
    case QuerySource::BackupServerUid:
      return "t.backup_server_id";
    default:
      return std::nullopt;
  }
}

// Filter values are written by people: besides xs:dateTime, accept a space for the 'T'
// ("2025-02-18 14:16:31") and a date alone (midnight UTC), as EM's .NET parsing does.
std::string filter_time(const std::string& value) {
  if (value.size() == 10) return value + "T00:00:00Z";
  if (value.size() > 10 && value[10] == ' ') return value.substr(0, 10) + "T" + value.substr(11);
  return value;
}

// A time value of a filter: relative to `now`, or as written.
Expected<EmTime> filter_time_value(const std::string& value, EmTime now) {
  return is_relative_time(value) ? resolve_relative_time(value, now)
                                 : parse_em_time(filter_time(value));
}

std::string_view sql_operator(CompareOp op) {
  switch (op) {
    case CompareOp::Equal:
      return "=";
    case CompareOp::NotEqual:
      return "<>";
    case CompareOp::Less:
      return "<";
    case CompareOp::LessEqual:
      return "<=";
    case CompareOp::Greater:
      return ">";
    case CompareOp::GreaterEqual:
      return ">=";
  }
  return "=";
}

std::string join_names(const QueryType& type) {
  std::string out;
  for (const QueryField& f : type.fields) {
    if (!out.empty()) out += ", ";
    out += f.name;
  }
  return out;
}

std::string join_values(std::span<const std::string_view> values) {
  std::string out;
  for (std::string_view v : values) {
    if (!out.empty()) out += ", ";
    out += v;
  }
  return out;
}

class Compiler {
 public:
  Compiler(const QueryType& type, EmTime now) : type_(type), now_(now) {}

  Expected<CompiledFilter> compile(const FilterNode& node) {
    CompiledFilter out;
    if (!emit(node, out)) return Error{error_, ErrorCode::invalid_input};
    return out;
  }

 private:
  bool emit(const FilterNode& node, CompiledFilter& out) {
    if (node.type == FilterNode::Type::Compare) return emit_comparison(node, out);
    const std::string_view joiner = node.type == FilterNode::Type::And ? " AND " : " OR ";
    out.sql += '(';
    for (std::size_t i = 0; i < node.children.size(); ++i) {
      if (i) out.sql += joiner;
      if (!emit(node.children[i], out)) return false;
    }
    out.sql += ')';
    return true;
  }

  bool emit_comparison(const FilterNode& node, CompiledFilter& out) {
    const QueryField* field = find_query_field(type_, node.field);
    if (!field) {
      return fail(node, "unknown field '" + node.field + "' for type " + std::string(type_.name) +
                            " (fields: " + join_names(type_) + ")");
    }
    const std::string expr = value_expr(type_.kind, *field);
    const std::string_view op = sql_operator(node.op);
    switch (field->type) {
      case QueryValueType::Text:
        if (node.op == CompareOp::Equal && field->source == QuerySource::BackupServerName) {
          // The servers of that name, by index, and their sessions by server.
          out.sql += is_server_named("t.backup_server_id");
        } else {
          out.sql += expr + " " + std::string(op) + " ? COLLATE NOCASE";
        }
        out.params.emplace_back(node.value);
        return true;
      case QueryValueType::Uid: {
        std::string uid = canonical_uid(node.value);
        const auto id = id_column(*field);
        if (id && (node.op == CompareOp::Equal || node.op == CompareOp::NotEqual)) {
          const std::string target(kIdOfUid);
          if (node.op == CompareOp::Equal) {
            out.sql += *id + " = " + target;
          } else {
            // A session without that link does not have "another" value: NULL stays out, as
            // with every other comparison.
            out.sql += "(" + *id + " IS NOT NULL AND " + *id + " IS NOT " + target + ")";
          }
        } else {
          out.sql += expr + " " + std::string(op) + " ?";
        }
        out.params.emplace_back(std::move(uid));
        return true;
      }
      case QueryValueType::Time: {
        auto t = filter_time_value(node.value, now_);
        if (!t) return fail(node, t.error().message + " (for " + std::string(field->name) + ")");
        out.sql += expr + " " + std::string(op) + " ?";
        out.params.emplace_back(static_cast<std::int64_t>(*t));
        return true;
      }
      case QueryValueType::Integer: {
        std::int64_t v = 0;
        const char* end = node.value.data() + node.value.size();
        auto [ptr, ec] = std::from_chars(node.value.data(), end, v);
        if (ec != std::errc{} || ptr != end) {
          return fail(node, "'" + node.value + "' is not an integer (for " +
                                std::string(field->name) + ")");
        }
        out.sql += expr + " " + std::string(op) + " ?";
        out.params.emplace_back(v);
        return true;
      }
      case QueryValueType::Boolean: {
        std::int64_t v = 0;
        if (iequals(node.value, "true")) {
          v = 1;
        } else if (!iequals(node.value, "false")) {
          return fail(node, "'" + node.value + "' is not true or false (for " +
                                std::string(field->name) + ")");
        }
        out.sql += expr + " " + std::string(op) + " ?";
        out.params.emplace_back(v);
        return true;
      }
      case QueryValueType::Enum:
        return emit_enum(node, *field, expr, op, out);
    }
    return fail(node, "unsupported field type");
  }

  bool emit_enum(const FilterNode& node, const QueryField& field, const std::string& expr,
                 std::string_view op, CompiledFilter& out) {
    if (node.op == CompareOp::Equal || node.op == CompareOp::NotEqual) {
      // Values outside the documented list are allowed: newer EMs report more states.
      out.sql += expr + " " + std::string(op) + " ? COLLATE NOCASE";
      out.params.emplace_back(node.value);
      return true;
    }
    std::int64_t ordinal = -1;
    for (std::size_t i = 0; i < field.enum_order.size(); ++i) {
      if (iequals(field.enum_order[i], node.value)) ordinal = static_cast<std::int64_t>(i);
    }
    if (ordinal < 0) {
      return fail(node, "'" + node.value + "' is not a " + std::string(field.name) +
                            " that can be ordered (" + join_values(field.enum_order) + ")");
    }
    // The list is ours, not the client's: it may be SQL text.
    const std::string rank = enum_rank(field, expr);
    out.sql += rank + " " + std::string(op) + " ?";
    out.params.emplace_back(ordinal);
    return true;
  }

  bool fail(const FilterNode& node, const std::string& what) {
    error_ = "filter: at character " + std::to_string(node.position + 1) + ": " + what;
    return false;
  }

  const QueryType& type_;
  const EmTime now_;
  std::string error_;
};

// Whether `leaf` holds of a field every record `node` matches compares: of one under AND, of
// all under OR. Called on a compiled filter (every field is known).
template <class Leaf>
bool implies(const QueryType& type, const FilterNode& node, const Leaf& leaf) {
  const auto child_implies = [&](const FilterNode& child) { return implies(type, child, leaf); };
  switch (node.type) {
    case FilterNode::Type::And:
      return std::any_of(node.children.begin(), node.children.end(), child_implies);
    case FilterNode::Type::Or:
      return std::all_of(node.children.begin(), node.children.end(), child_implies);
    case FilterNode::Type::Compare:
      break;
  }
  return leaf(*find_query_field(type, node.field));
}

// Whether every record `node` matches has its entity archived: it compares a typed column that
// only an entity writes (storage/record_writer.cpp; relations, which references also give,
// excepted), which is NULL otherwise, and NULL matches no comparison.
bool implies_entity(const QueryType& type, const FilterNode& node) {
  return implies(type, node, [&](const QueryField& field) {
    if (field.source == QuerySource::Duration) return true;  // of the entity's two times
    return field.source == QuerySource::Field &&
           field_spec(type.kind, field.element)->type != FieldType::Uid;
  });
}

// Whether every record `node` matches has some form archived (is no stub): it compares a column
// a stub leaves NULL. A stub's row holds only its UID and the name it was linked by
// (RecordWriter::ensure_record).
bool implies_archived(const QueryType& type, const FilterNode& node) {
  return implies(type, node, [](const QueryField& field) {
    return field.source != QuerySource::Uid && field.source != QuerySource::Name;
  });
}

// The fields `node` compares with == in every record it matches (its top-level AND's).
void collect_pinned(const QueryType& type, const FilterNode& node,
                    std::vector<const QueryField*>& out) {
  if (node.type == FilterNode::Type::And) {
    for (const FilterNode& child : node.children) collect_pinned(type, child, out);
  } else if (node.type == FilterNode::Type::Compare && node.op == CompareOp::Equal) {
    out.push_back(find_query_field(type, node.field));
  }
}

// Whether `column` is the column a field of the kind's entity is held in.
bool is_column(Kind kind, const QueryField& field, std::string_view column) {
  return field.source == QuerySource::Field && field_spec(kind, field.element)->column == column;
}

// The term of `terms` that holds a comparison of `field` with text, if the tallies hold the field.
std::optional<TallyTerms::Values>* values_term(const QueryType& type, const QueryField& field,
                                               TallyTerms& terms) {
  if (field.source == QuerySource::JobName) return &terms.job_name;
  if (is_column(type.kind, field, "result")) return &terms.result;
  if (is_column(type.kind, field, "state")) return &terms.state;
  return nullptr;
}

// Adds an OR of `node`'s children to `terms`: each a comparison by == of the same field the
// tallies hold, with a value; false otherwise.
bool add_tally_alternatives(const QueryType& type, const FilterNode& node, TallyTerms& terms) {
  std::optional<TallyTerms::Values>* term = nullptr;
  TallyTerms::Values values;
  for (const FilterNode& child : node.children) {
    if (child.type != FilterNode::Type::Compare || child.op != CompareOp::Equal ||
        child.value.empty()) {
      return false;
    }
    std::optional<TallyTerms::Values>* child_term =
        values_term(type, *find_query_field(type, child.field), terms);
    if (!child_term || (term && child_term != term)) return false;
    term = child_term;
    values.values.push_back(child.value);
  }
  if (!term || term->has_value()) return false;
  *term = std::move(values);
  return true;
}

// Narrows [from, until) to the values (instants or sizes) that a comparison with `v` by `op`
// holds for; false for one that is no half-open range: !=, or a bound past the last value there
// is.
bool narrow_range(CompareOp op, std::int64_t v, std::optional<std::int64_t>& from,
                  std::optional<std::int64_t>& until) {
  if (op == CompareOp::NotEqual) return false;
  const bool inclusive_upper = op == CompareOp::LessEqual || op == CompareOp::Equal;
  const bool exclusive_lower = op == CompareOp::Greater;
  if ((inclusive_upper || exclusive_lower) && v == std::numeric_limits<std::int64_t>::max()) {
    return false;
  }
  if (op != CompareOp::Less && op != CompareOp::LessEqual) {
    const std::int64_t lower = exclusive_lower ? v + 1 : v;
    from = from ? std::max(*from, lower) : lower;
  }
  if (op != CompareOp::Greater && op != CompareOp::GreaterEqual) {
    const std::int64_t upper = inclusive_upper ? v + 1 : v;
    until = until ? std::min(*until, upper) : upper;
  }
  return true;
}

// The column of kBlankColumns that `field` of `kind` is held in; nullptr for another field.
const BlankColumn* blank_column(Kind kind, const QueryField& field) {
  const std::string column = value_expr(kind, field);
  for (const BlankColumn& c : kBlankColumns) {
    if (column == "t." + std::string(c.column)) return &c;
  }
  return nullptr;
}

// The term of a comparison by != that the tallies can count by complement (TallyTerms::
// OtherThan): of a field that an index of the sessions holds right after the kind
// (migrations/), so that the sessions with the value are found by seeking, and those without the
// field too unless the blank tallies count them; nullopt for another field. The field's value has
// been checked (a compiled filter).
std::optional<TallyTerms::OtherThan> other_than_term(const QueryType& type, const QueryField& field,
                                                     const FilterNode& node, EmTime now) {
  TallyTerms::OtherThan term;
  std::string column;  // the column the field is held in, of which NULL means no value
  if (std::optional<std::string> id = id_column(field)) {
    column = *id;
    if (field.source == QuerySource::BackupServerUid) {
      term.server = TallyTerms::Server{false, canonical_uid(node.value)};
    } else if (field.source == QuerySource::JobUid) {
      term.job_uid = canonical_uid(node.value);
    } else {
      term.equal = column + " = " + std::string(kIdOfUid);
      term.params.emplace_back(canonical_uid(node.value));
    }
    // A session always has its own id (the key): no part without it, whose count SQLite would
    // plan as a walk of the creation index.
    if (field.source == QuerySource::Uid) return term;
  } else if (field.source == QuerySource::BackupServerName) {
    // No value: no server, or a server without a name (every record has a row of its table).
    column = "t.backup_server_id";
    term.server = TallyTerms::Server{true, node.value};
    term.absent = {column + " IS NULL",
                   column + " IN (SELECT b.record_id FROM backup_servers b WHERE b.name IS NULL)"};
    return term;
  } else {
    const BlankColumn* blank = blank_column(type.kind, field);
    if (!blank) return std::nullopt;
    column = "t." + std::string(blank->column);
    // The sessions without a value, and with an empty one where that is the value, from the
    // blank tallies; a NULL is never the value.
    term.blanks = {{blank->column, false}};
    if (node.value.empty()) {
      term.blanks.push_back({blank->column, true});
      return term;
    }
    if (field.type == QueryValueType::Text) {
      term.equal = column + " = ? COLLATE NOCASE";
      term.params.emplace_back(node.value);
    } else {
      term.equal = column + " = ?";
      std::int64_t value = 0;
      if (field.type == QueryValueType::Time) {
        value = *filter_time_value(node.value, now);
      } else {
        std::from_chars(node.value.data(), node.value.data() + node.value.size(), value);
      }
      term.params.emplace_back(value);
    }
    return term;
  }
  term.absent = {column + " IS NULL"};
  return term;
}

// Adds what `node` asks to `terms`; false if it asks anything the tallies do not count. Called
// on a compiled filter (every field and value is valid).
bool add_tally_terms(const QueryType& type, const FilterNode& node, EmTime now, TallyTerms& terms) {
  if (node.type == FilterNode::Type::Or) return add_tally_alternatives(type, node, terms);
  if (node.type == FilterNode::Type::And) {
    return std::all_of(node.children.begin(), node.children.end(), [&](const FilterNode& child) {
      return add_tally_terms(type, child, now, terms);
    });
  }
  const QueryField& field = *find_query_field(type, node.field);
  if (std::optional<TallyTerms::Values>* term = values_term(type, field, terms)) {
    // An empty value is left to the index: the tallies hold a session without the field under "".
    if (node.value.empty()) return false;
    if (node.op == CompareOp::Equal && !*term) {
      *term = TallyTerms::Values{{node.value}, false};
      return true;
    }
    if (node.op != CompareOp::NotEqual) return false;
    if (!*term) *term = TallyTerms::Values{{}, true};
    if (!(*term)->excluded) return false;
    (*term)->values.push_back(node.value);
    return true;
  }
  if (node.op == CompareOp::NotEqual) {
    if (terms.other_than) return false;
    terms.other_than = other_than_term(type, field, node, now);
    return terms.other_than.has_value();
  }
  if (node.op == CompareOp::Equal && node.value.empty()) {
    const BlankColumn* blank = blank_column(type.kind, field);
    if (terms.blank || !blank || !blank->text) return false;
    terms.blank = TallyTerms::Blank{blank->column, true};
    return true;
  }
  const bool by_name = field.source == QuerySource::BackupServerName;
  if (by_name || field.source == QuerySource::BackupServerUid) {
    if (node.op != CompareOp::Equal || node.value.empty() || terms.server) return false;
    terms.server = TallyTerms::Server{by_name, by_name ? node.value : canonical_uid(node.value)};
    return true;
  }
  if (field.source == QuerySource::JobUid) {
    if (node.op != CompareOp::Equal || node.value.empty() || terms.job_uid) return false;
    terms.job_uid = canonical_uid(node.value);
    return true;
  }
  return is_column(type.kind, field, "creation_time") &&
         narrow_range(node.op, *filter_time_value(node.value, now), terms.from, terms.until);
}

// Narrows `range` to what `node` asks; false if it asks anything but bounds on `column`, the
// column of a time or an integer field (end_time, total_size). Called on a compiled filter.
bool add_bounds(const QueryType& type, const FilterNode& node, EmTime now, std::string_view column,
                ValueRange& range) {
  if (node.type == FilterNode::Type::And) {
    return std::all_of(node.children.begin(), node.children.end(), [&](const FilterNode& child) {
      return add_bounds(type, child, now, column, range);
    });
  }
  if (node.type != FilterNode::Type::Compare) return false;
  const QueryField& field = *find_query_field(type, node.field);
  if (!is_column(type.kind, field, column)) return false;
  std::int64_t value = 0;
  if (field.type == QueryValueType::Time) {
    value = *filter_time_value(node.value, now);
  } else {
    std::from_chars(node.value.data(), node.value.data() + node.value.size(), value);
  }
  return narrow_range(node.op, value, range.from, range.until);
}

// The text terms of TallyTerms, with the column each compares (in the sessions and the tallies).
struct ValuesColumn {
  std::optional<TallyTerms::Values> TallyTerms::*term;
  const char* column;
};
constexpr std::array<ValuesColumn, 3> kValuesColumns = {{{&TallyTerms::result, "result"},
                                                         {&TallyTerms::state, "state"},
                                                         {&TallyTerms::job_name, "job_name"}}};

// Whether compile_filter() may hand `terms` to the tallies: each tally holds the Result and the
// State, and one of the server, the JobName and the JobUid at most; the count subtracts the
// values of one excluded term, or the parts of an other_than beside CreationTime bounds alone.
// The blank tallies hold nothing else: a blank term goes beside CreationTime bounds alone.
bool countable(const TallyTerms& terms) {
  int excluded = 0;
  for (const ValuesColumn& c : kValuesColumns)
    excluded += (terms.*c.term && (terms.*c.term)->excluded);
  // Beside other terms, SQLite may seek the parts of an other_than through their index instead
  // of the field's, each part then reading as many entries as the plain count or more (at ten
  // million task sessions, `Reason!="";JobName==` a job took 4.4 s against 0.39).
  const bool held = terms.result || terms.state || terms.server || terms.job_name || terms.job_uid;
  if ((terms.other_than || terms.blank) && held) return false;
  if (terms.other_than && terms.blank) return false;
  return excluded <= 1 &&
         terms.server.has_value() + terms.job_name.has_value() + terms.job_uid.has_value() <= 1;
}

// The column of the term of `terms` that excludes values, if one does (countable() allows one).
const ValuesColumn* excluded_column(const TallyTerms& terms) {
  for (const ValuesColumn& c : kValuesColumns) {
    if (terms.*c.term && (terms.*c.term)->excluded) return &c;
  }
  return nullptr;
}

// The terms of `t` on the columns of a tally, or of the sessions (`prefix` "t."), each after
// " AND ", with their parameters; both compare text as the query service does. A term that
// excludes values, on a tally, also takes the rows of sessions without the field (held under
// "").
void append_tally_terms(const TallyTerms& t, const std::string& prefix, std::string& sql,
                        std::vector<SqlValue>& params) {
  for (const ValuesColumn& c : kValuesColumns) {
    const std::optional<TallyTerms::Values>& term = t.*c.term;
    if (!term) continue;
    const std::vector<std::string>& values = term->values;
    if (values.size() == 1 && !term->excluded) {
      sql += " AND " + prefix + c.column + " = ? COLLATE NOCASE";
    } else {
      sql += " AND " + prefix + c.column + " COLLATE NOCASE " +
             (term->excluded ? "NOT IN (?" : "IN (?");
      for (std::size_t i = 1; i < values.size(); ++i) sql += ", ?";
      sql += ")";
    }
    params.insert(params.end(), values.begin(), values.end());
  }
  if (t.server) {
    const std::string column = prefix + "backup_server_id";
    sql += " AND " +
           (t.server->by_name ? is_server_named(column) : column + " = " + std::string(kIdOfUid));
    params.emplace_back(t.server->value);
  }
  if (t.job_uid) {
    sql += " AND " + prefix + "job_id = " + std::string(kIdOfUid);
    params.emplace_back(*t.job_uid);
  }
  // The blank tallies' rows hold every blank column; the sessions', the one blank, as the
  // column's index compares it.
  if (t.blank && !prefix.empty()) {
    sql += " AND " + prefix + std::string(t.blank->column) +
           (t.blank->empty ? " = '' COLLATE NOCASE" : " IS NULL");
  }
}

// FROM and WHERE of the sessions of `kind` that `condition` (SQL of the sessions, t, with
// `condition_params`) and the terms of `others` match, with a creation time in its range.
std::string dated_where(Kind kind, const TallyTerms& others, const std::string& condition,
                        const std::vector<SqlValue>& condition_params,
                        std::vector<SqlValue>& params) {
  std::string sql = " FROM sessions t WHERE t.kind_id = ? AND " + condition;
  params.emplace_back(kind_id(kind));
  params.insert(params.end(), condition_params.begin(), condition_params.end());
  append_tally_terms(others, "t.", sql, params);
  append_range("t.creation_time_ns", TimeRange{others.from, others.until}, sql, params);
  if (!others.from && !others.until) sql += " AND t.creation_time_ns IS NOT NULL";
  return sql;
}

// The sessions that the tallies of `terms` hold but that its term excluding values (on
// `column`) does not match: those the other terms match without the field, as dated_where().
// Few sessions lack a Result, a State or a JobName; the field's index finds them.
std::string dated_without(Kind kind, const TallyTerms& terms, const ValuesColumn& column,
                          std::vector<SqlValue>& params) {
  TallyTerms others = terms;
  (others.*column.term).reset();
  return dated_where(kind, others, std::string("t.") + column.column + " IS NULL", {}, params);
}

// The terms of `terms` but its other_than (its CreationTime bounds, countable() allows no
// other), and those of the other_than's parts that a tally counts, to subtract: its value, where
// the tallies hold it (a server or a job), and its blank values.
struct OtherThanTerms {
  TallyTerms others;
  std::vector<TallyTerms> tallied;
};
OtherThanTerms other_than_terms(const TallyTerms& terms) {
  OtherThanTerms out{terms, {}};
  out.others.other_than.reset();
  const TallyTerms::OtherThan& other_than = *terms.other_than;
  if (other_than.server || other_than.job_uid) {
    out.tallied.push_back(out.others);
    out.tallied.back().server = other_than.server;
    out.tallied.back().job_uid = other_than.job_uid;
  }
  for (const TallyTerms::Blank& blank : other_than.blanks) {
    out.tallied.push_back(out.others);
    out.tallied.back().blank = blank;
  }
  return out;
}

// The sessions that the tallies of `t.others` hold but the other_than of `terms` does not
// match, which the index finds, as dated_where(): those with the value and those without the
// field, where no tally counts them (`t.tallied`).
std::vector<std::string> dated_other_than(Kind kind, const TallyTerms& terms,
                                          const OtherThanTerms& t, std::vector<SqlValue>& params) {
  const TallyTerms::OtherThan& other_than = *terms.other_than;
  std::vector<std::string> out;
  if (!other_than.equal.empty())
    out.push_back(dated_where(kind, t.others, other_than.equal, other_than.params, params));
  for (const std::string& absent : other_than.absent) {
    out.push_back(dated_where(kind, t.others, absent, {}, params));
  }
  return out;
}

// The tallies' bucket as a bound on it compares it. For a server by name (an IN of a subquery)
// SQLite skip-scans every kind and server of a tally for a bound on the bucket, reading every
// server's rows in range: 5 ms against 1 ms for half of ten million task sessions. `+bucket`
// tests the bound on each row of the server instead, at most what a count without bounds reads.
std::string bucket_column(const TallyTerms& t) {
  return t.server && t.server->by_name ? "+bucket" : "bucket";
}

// The tally that holds what `t` asks: per job name, per job, per backup server, blank values, or
// per kind alone.
std::string_view tally_table(const TallyTerms& t) {
  return t.job_name  ? "session_job_tallies"
         : t.job_uid ? "session_job_id_tallies"
         : t.server  ? "session_server_tallies"
         : t.blank   ? "session_blank_tallies"
                     : "session_tallies";
}

// The column of that tally that counts what `t` asks.
std::string tally_column(const TallyTerms& t) {
  if (!t.blank) return "n";
  return std::string(t.blank->column) + (t.blank->empty ? "_empty" : "_null");
}

// The tally terms of `query`: its filter's, narrowed to the side of an instant it is Past
// (ascending only; tallied() leaves the other side to the index).
TallyTerms query_tally_terms(const RecordQuery& query) {
  TallyTerms terms = query.filter ? *query.filter->tally : TallyTerms{};
  if (query.past) terms.from = terms.from ? std::max(*terms.from, query.past->at) : query.past->at;
  return terms;
}

// The count of a session query the tallies can answer: the tallies of the buckets wholly
// inside [from, until), plus the matches in the partial buckets at either end, counted from the
// index (without bounds: the matches of `where` without a creation time, which no tally holds).
// A term that excludes values is counted as all the sessions the other terms match, less those
// with one of the values, less those without the field (which the tallies hold under "", and
// which no comparison matches); an other_than, as the sessions the other terms match less its
// parts. Empty when no bucket lies wholly inside, or the tallies are not
// current (a bulk load or a migration left their triggers in deferred_indexes): then `plain`
// counts, as with other filters.
std::string tally_count(Kind kind, const TallyTerms& terms, const std::string& plain,
                        const std::string& where, const std::vector<SqlValue>& params,
                        std::vector<SqlValue>& count_params) {
  constexpr int shift = kTallyBucketShift;
  const std::optional<WholeBuckets> whole = whole_buckets(terms.from, terms.until);
  if (!whole) return {};
  const std::optional<EmTime>& first_full = whole->first;
  const std::optional<EmTime>& end_full = whole->end;

  std::string sum;
  std::vector<SqlValue> tally_params;
  const auto add_terms = [&](const TallyTerms& t, const std::string& prefix) {
    append_tally_terms(t, prefix, sum, tally_params);
  };
  // The sessions with a creation time in range that `t` (no term excluding) matches.
  const auto count_created = [&](const TallyTerms& t) {
    sum += "(SELECT coalesce(sum(" + tally_column(t) + "), 0) FROM ";
    sum += tally_table(t);
    sum += " WHERE kind_id = ?";
    tally_params.emplace_back(kind_id(kind));
    add_terms(t, "");
    if (first_full) {
      sum += " AND " + bucket_column(t) + " >= ?";
      tally_params.emplace_back(*first_full);
    }
    if (end_full) {
      sum += " AND " + bucket_column(t) + " < ?";
      tally_params.emplace_back(*end_full);
    }
    sum += ")";
    // The partial buckets at the ends: the terms over only that part of the range, so that the
    // range is the index's (with the filter's own bounds beside them, SQLite takes one upper
    // bound for the range and tests the other on each entry: the whole range again). Every
    // session with a creation time is an archived entity, so the stub test has nothing to add.
    const auto count_between = [&](EmTime lower, EmTime upper) {
      sum += " + (SELECT count(*) FROM sessions t WHERE t.kind_id = ?";
      tally_params.emplace_back(kind_id(kind));
      add_terms(t, "t.");
      sum += " AND t.creation_time_ns >= ? AND t.creation_time_ns < ?)";
      tally_params.emplace_back(lower);
      tally_params.emplace_back(upper);
    };
    if (first_full) count_between(*terms.from, *first_full << shift);
    if (end_full) count_between(*end_full << shift, *terms.until);
  };

  const ValuesColumn* excluding = excluded_column(terms);
  if (terms.other_than) {
    const OtherThanTerms t = other_than_terms(terms);
    sum += "(";
    count_created(t.others);
    sum += ")";
    for (const TallyTerms& part : t.tallied) {
      sum += " - (";
      count_created(part);
      sum += ")";
    }
    for (const std::string& from_where : dated_other_than(kind, terms, t, tally_params)) {
      sum += " - (SELECT count(*)" + from_where + ")";
    }
  } else if (!excluding) {
    count_created(terms);
  } else {
    TallyTerms others = terms;
    (others.*excluding->term).reset();
    TallyTerms values = terms;
    (values.*excluding->term)->excluded = false;
    sum += "(";
    count_created(others);
    sum += ") - (";
    count_created(values);
    sum += ") - (SELECT count(*)" + dated_without(kind, terms, *excluding, tally_params) + ")";
  }
  if (!first_full && !end_full) {
    // No bounds: the sessions without a creation time, which the filter and the stub test decide.
    sum +=
        " + (SELECT count(*) FROM sessions t WHERE " + where + " AND t.creation_time_ns IS NULL)";
    tally_params.insert(tally_params.end(), params.begin(), params.end());
  }

  count_params.insert(count_params.end(), params.begin(), params.end());
  count_params.insert(count_params.end(), tally_params.begin(), tally_params.end());
  return tallied_or_plain_sql(plain, sum);
}

// ORDER BY's terms: by the field (or the default), descending or not, then in archive order
// (record_id), ascending; or, `reversed`, that order backwards (RecordQuerySql::
// select_ids_reversed). The indexes with creation_time_ns after the filter's columns give a page
// in either order, sorting only records created in the same instant.
std::string order_by(Kind kind, const QueryField* sort_field, bool descending, bool reversed) {
  const std::string direction = descending != reversed ? " DESC" : " ASC";
  std::string order;
  if (sort_field) {
    const std::string expr = value_expr(kind, *sort_field);
    if (sort_field->type == QueryValueType::Enum) {
      // By EM's order, then values outside it (newer states) by name.
      order = enum_rank(*sort_field, expr) + direction + ", " + expr + " COLLATE NOCASE";
    } else if (sort_field->type == QueryValueType::Text) {
      order = expr + " COLLATE NOCASE";
    } else {
      order = expr;
    }
  } else {
    order = info(kind).table == Table::Sessions ? "t.creation_time_ns" : "t.name COLLATE NOCASE";
  }
  return order + direction + ", t.record_id" + (reversed ? " DESC" : " ASC");
}

// The field the query is sorted by; nullptr for the default order. A field the filter pins with
// == is the same in every match: sorting by it is the default order, so that the filter's
// index still gives the page.
const QueryField* effective_sort_field(const RecordQuery& query) {
  const QueryField* sort_field = query.sort.field;
  if (sort_field && query.filter) {
    const auto& pinned = query.filter->pinned;
    if (std::find(pinned.begin(), pinned.end(), sort_field) != pinned.end()) sort_field = nullptr;
  }
  return sort_field;
}

}  // namespace

void append_range(std::string_view column, const ValueRange& range, std::string& sql,
                  std::vector<SqlValue>& params) {
  if (range.from) {
    sql += " AND " + std::string(column) + " >= ?";
    params.emplace_back(*range.from);
  }
  if (range.until) {
    sql += " AND " + std::string(column) + " < ?";
    params.emplace_back(*range.until);
  }
}

bool ordered_by_creation(const RecordQuery& query) {
  if (info(query.kind).table != Table::Sessions) return false;
  const QueryField* field = effective_sort_field(query);
  return !field || (field->source == QuerySource::Field && field->element == "CreationTimeUTC");
}

bool ordered_by_end(const RecordQuery& query) {
  if (info(query.kind).table != Table::Sessions) return false;
  const QueryField* field = effective_sort_field(query);
  return field && is_column(query.kind, *field, "end_time");
}

bool ordered_by_size(const RecordQuery& query) {
  if (info(query.kind).table != Table::Sessions) return false;
  const QueryField* field = effective_sort_field(query);
  return field && is_column(query.kind, *field, "total_size");
}

Expected<CompiledFilter> compile_filter(const QueryType& type, const FilterNode& filter,
                                        EmTime now) {
  Expected<CompiledFilter> compiled = Compiler(type, now).compile(filter);
  if (compiled) {
    compiled->implies_entity = implies_entity(type, filter);
    compiled->implies_archived = implies_archived(type, filter);
    collect_pinned(type, filter, compiled->pinned);
    TallyTerms terms;
    if (info(type.kind).table == Table::Sessions && add_tally_terms(type, filter, now, terms) &&
        countable(terms)) {
      compiled->tally = std::move(terms);
    }
    if (info(type.kind).table == Table::Sessions) {
      TimeRange ended;
      if (add_bounds(type, filter, now, "end_time", ended)) compiled->end_range = ended;
      ValueRange sized;
      if (add_bounds(type, filter, now, "total_size", sized)) compiled->size_range = sized;
    }
  }
  return compiled;
}

RecordQuerySql record_query_sql(const RecordQuery& query) {
  const KindInfo& kind = info(query.kind);
  RecordQuerySql out;
  // Terms joined by AND; never empty, as it has the stub test or the filter.
  std::string where;
  const auto term = [&where](const std::string& sql) {
    where += (where.empty() ? "" : " AND ") + sql;
  };
  // Stubs are never listed. The test costs a lookup or two per candidate row, most of a count
  // over a large archive, so it is left out where the filter already implies what it tests.
  const bool implied = query.filter && (query.filter->implies_entity ||
                                        (!query.entities_only && query.filter->implies_archived));
  if (!implied) {
    std::string exists =
        std::string("EXISTS (SELECT 1 FROM representations p WHERE p.record_id = t.record_id") +
        (query.entities_only ? " AND p.form = 1)" : ")");
    // Only an entity writes a session's creation time (storage/typed_row_statements.h), so a
    // session that has one is an archived entity. Every index of sessions holds the creation
    // time: the test then reads no more than the index entry, and the look-up is left for
    // sessions without one (SQLite evaluates OR from the left and stops at the first true term).
    if (kind.table == Table::Sessions)
      exists = "(t.creation_time_ns IS NOT NULL OR " + exists + ")";
    term(exists);
  }
  if (kind.table == Table::Sessions) {
    term("t.kind_id = ?");
    out.params.emplace_back(kind_id(query.kind));
  }
  if (query.parent_uid) {
    term("t.parent_id = (SELECT id FROM records WHERE uid = ?)");
    out.params.emplace_back(*query.parent_uid);
  }
  if (query.job_uid) {
    term("t.job_id = (SELECT id FROM records WHERE uid = ?)");
    out.params.emplace_back(*query.job_uid);
  }
  if (!query.job_types.empty()) {
    std::string in = "t.job_type IN (";
    for (std::size_t i = 0; i < query.job_types.size(); ++i) {
      in += i ? ", ?" : "?";
      out.params.emplace_back(query.job_types[i]);
    }
    term(in + ")");
  }
  if (query.created_since) {
    // A session seen only by reference has no creation time; it is listed, not hidden.
    term("(t.creation_time_ns IS NULL OR t.creation_time_ns >= ?)");
    out.params.emplace_back(static_cast<std::int64_t>(*query.created_since));
  }
  // Of two bounds on the creation time on the same side, SQLite bounds the index's range by one
  // and tests the other on each entry, and which one depends on the index and on their order: a
  // deep page's edge after a server by name's time range took 150 ms, before it 2 ms, at ten
  // million task sessions, and the other way round with a Result. So the bounds of a filter the
  // tallies hold (exactly their `from` and `until`) meet the edge here, the tighter of each side
  // alone bounds the range, and the filter's own comparisons are tested on each entry (`+`). The
  // edge of a page in end-time order meets the bounds of its EndTime range alike.
  // A page in size order meets the bounds of its TotalSize range alike.
  using PastColumn = RecordQuery::Past::Column;
  const PastColumn past_by = query.past ? query.past->column : PastColumn::creation;
  const char* const past_column = past_by == PastColumn::end    ? "t.end_time_ns"
                                  : past_by == PastColumn::size ? "t.total_size"
                                                                : "t.creation_time_ns";
  std::optional<ValueRange> own_bounds;
  if (query.past && query.filter) {
    if (past_by == PastColumn::end) {
      own_bounds = query.filter->end_range;
    } else if (past_by == PastColumn::size) {
      own_bounds = query.filter->size_range;
    } else if (query.filter->tally) {
      own_bounds = TimeRange{query.filter->tally->from, query.filter->tally->until};
    }
  }
  if (query.past) {
    assert(past_by == PastColumn::end    ? ordered_by_end(query)
           : past_by == PastColumn::size ? ordered_by_size(query)
                                         : ordered_by_creation(query));
    ValueRange bounds = own_bounds.value_or(ValueRange{});
    std::optional<std::int64_t>& side = query.past->ascending ? bounds.from : bounds.until;
    side = !side                   ? query.past->at
           : query.past->ascending ? std::max(*side, query.past->at)
                                   : std::min(*side, query.past->at);
    // Not "OR t.creation_time_ns IS NULL" beside "<": SQLite would then walk the whole index.
    // `where` already holds the kind's term.
    append_range(past_column, bounds, where, out.params);
  }
  // Bounds an EndTime range puts on the creation time, with a resumption's made one a side (as
  // the deep page's edge above).
  std::optional<TimeRange> within = query.created_within;
  if (within) assert(end_ranged(query) && ordered_by_creation(query));
  if (query.resume) {
    assert(ordered_by_creation(query));
    const std::optional<EmTime>& at = query.resume->creation_time;
    if (!at) {
      term("t.creation_time_ns IS NULL");
    } else if (within && !query.sort.descending) {
      within->from = within->from ? std::max(*within->from, *at) : *at;
    } else if (within && *at < std::numeric_limits<EmTime>::max()) {
      within->until = within->until ? std::min(*within->until, *at + 1) : *at + 1;
    } else {
      term(std::string("t.creation_time_ns ") + (query.sort.descending ? "<=" : ">=") + " ?");
      out.params.emplace_back(static_cast<std::int64_t>(*at));
    }
  }
  if (within) append_range("t.creation_time_ns", *within, where, out.params);

  if (query.filter) {
    std::string filter = query.filter->sql;
    // Comparisons tested on each entry of the range, not a range of their own: a filter the
    // tallies hold compares no other expression of the creation time, and an EndTime range
    // between creation bounds, or a TotalSize range so marked, is read from the creation index
    // (SQLite would otherwise read it from the end or size index and sort it).
    const auto test_each = [&filter](std::string_view column) {
      for (std::size_t at = filter.find(column); at != std::string::npos;
           at = filter.find(column, at + column.size() + 1)) {
        filter.insert(at, 1, '+');
      }
    };
    if (own_bounds) test_each(past_column);
    if (query.created_within) test_each("t.end_time_ns");
    if (query.size_range_read == RecordQuery::SizeRangeRead::walk_creation) {
      assert(size_ranged(query) && ordered_by_creation(query));
      test_each("t.total_size");
    }
    term(filter);
    out.params.insert(out.params.end(), query.filter->params.begin(), query.filter->params.end());
  }

  // t.record_id is the record's id: records itself is needed only for UIDs, by subquery.
  const std::string from = std::string(" FROM ") + table_name(info(query.kind).table) + " t";
  const QueryField* sort_field = effective_sort_field(query);
  std::string order = order_by(query.kind, sort_field, query.sort.descending, false);
  std::string reversed = order_by(query.kind, sort_field, query.sort.descending, true);
  if (query.size_range_read == RecordQuery::SizeRangeRead::sort_matches) {
    // The creation time's order made one that no index gives, SQLite reads the range from
    // sessions_kind_size_creation instead of walking the creation index, and sorts.
    assert(size_ranged(query) && ordered_by_creation(query));
    order = "+" + order;
    reversed = "+" + reversed;
  }
  if (query.as_of) {
    RecordQuerySql forward =
        as_of_query_sql(kind.table, where, order, out.params, query.entities_only);
    forward.select_ids_reversed =
        as_of_query_sql(kind.table, where, reversed, out.params, query.entities_only).select_ids;
    return forward;
  }

  out.count = "SELECT count(*)" + from + " WHERE " + where;
  out.count_params = out.params;
  // Counted from the tallies when they hold the answer.
  if (tallied(query)) {
    std::vector<SqlValue> count_params;
    std::string count = tally_count(query.kind, query_tally_terms(query), out.count, where,
                                    out.params, count_params);
    if (!count.empty()) {
      out.count = std::move(count);
      out.count_params = std::move(count_params);
    }
    out.undated_count = "SELECT CASE WHEN " + tallies_set_aside_sql() +
                        " THEN NULL ELSE (SELECT count(*)" + from + " WHERE " + where +
                        " AND t.creation_time_ns IS NULL) END";
  } else {
    // A range of one column that tallies by bucket of it hold (storage/tallied_range.h).
    std::vector<SqlValue> count_params;
    std::string count;
    if (end_ranged(query) && !query.resume) {
      count = end_tally_count(query.kind, *query.filter->end_range, out.count, out.count_params,
                              count_params);
    } else if (size_ranged(query)) {
      count = size_tally_count(query.kind, *query.filter->size_range, out.count, out.count_params,
                               count_params);
    }
    if (!count.empty()) {
      out.count = std::move(count);
      out.count_params = std::move(count_params);
    }
  }
  const std::string select = "SELECT t.record_id" + from + " WHERE " + where + " ORDER BY ";
  out.select_ids = select + order + " LIMIT ? OFFSET ?";
  out.select_ids_reversed = select + reversed + " LIMIT ? OFFSET ?";
  return out;
}

namespace {

// Whether `query` asks for sessions as they are now, with no collection's restriction.
bool current_sessions(const RecordQuery& query) {
  return info(query.kind).table == Table::Sessions && !query.as_of && !query.parent_uid &&
         !query.job_uid && query.job_types.empty() && !query.created_since;
}

}  // namespace

bool tallied(const RecordQuery& query) {
  return current_sessions(query) && !query.resume &&
         (!query.past ||
          (query.past->column == RecordQuery::Past::Column::creation && query.past->ascending)) &&
         (!query.filter || query.filter->tally);
}

bool end_ranged(const RecordQuery& query) {
  return current_sessions(query) && !query.past && query.filter && query.filter->end_range;
}

bool size_ranged(const RecordQuery& query) {
  return current_sessions(query) && !query.past && !query.resume && query.filter &&
         query.filter->size_range;
}

bool end_ordered(const RecordQuery& query) {
  return current_sessions(query) && !query.past && !query.resume &&
         (!query.filter || query.filter->end_range) && ordered_by_end(query);
}

bool size_ordered(const RecordQuery& query) {
  return current_sessions(query) && !query.past && !query.resume &&
         (!query.filter || query.filter->size_range) && ordered_by_size(query);
}

BucketTalliesSql bucket_tallies_sql(const RecordQuery& query) {
  assert(tallied(query));
  const TallyTerms terms = query_tally_terms(query);
  BucketTalliesSql out;
  constexpr int shift = kTallyBucketShift;
  // The rows (bucket, n) of the tally that holds `t`, n negated if `subtract`.
  const auto buckets = [&](const TallyTerms& t, bool subtract) {
    out.sql += "SELECT bucket, " + std::string(subtract ? "-" : "") + tally_column(t) + " FROM " +
               std::string(tally_table(t)) + " WHERE kind_id = ?";
    out.params.emplace_back(kind_id(query.kind));
    append_tally_terms(t, "", out.sql, out.params);
    if (t.from) {
      out.sql += " AND " + bucket_column(t) + " >= ?";
      out.params.emplace_back(*t.from >> shift);
    }
    if (t.until) {
      // Up to the bucket of the last instant before `until`.
      out.sql += " AND " + bucket_column(t) + " < ?";
      out.params.emplace_back(first_bucket_from(*t.until));
    }
  };
  const ValuesColumn* excluding = excluded_column(terms);
  if (excluding && excluding->term == &TallyTerms::job_name) {
    // The per-job tallies hold a row per job and bucket, which JobName!= would read every one
    // of: the kind's tallies less those of the jobs left out read few.
    TallyTerms others = terms;
    others.job_name.reset();
    TallyTerms left_out = terms;
    left_out.job_name->excluded = false;
    buckets(others, false);
    out.sql += " UNION ALL ";
    buckets(left_out, true);
  } else if (terms.other_than) {
    const OtherThanTerms t = other_than_terms(terms);
    buckets(t.others, false);
    for (const TallyTerms& part : t.tallied) {
      out.sql += " UNION ALL ";
      buckets(part, true);
    }
    for (const std::string& from_where : dated_other_than(query.kind, terms, t, out.params)) {
      out.sql +=
          " UNION ALL SELECT t.creation_time_ns >> " + std::to_string(shift) + ", -1" + from_where;
    }
  } else {
    buckets(terms, false);
  }
  if (excluding) {
    // Less the sessions without the field (held under "", or in the kind's tallies).
    out.sql += " UNION ALL SELECT t.creation_time_ns >> " + std::to_string(shift) + ", -1" +
               dated_without(query.kind, terms, *excluding, out.params);
  }
  return out;
}

PageWindow page_window(std::int64_t total, std::int64_t offset, std::int64_t limit) {
  if (offset >= total) return {false, offset, 0};
  if (limit < 0) return {false, offset, limit};
  const std::int64_t rest = total - offset;  // matches from the page's first to the last
  const std::int64_t from_end = rest > limit ? rest - limit : 0;
  if (from_end >= offset) return {false, offset, limit};
  return {true, from_end, rest - from_end};
}

}  // namespace emarchive::storage
