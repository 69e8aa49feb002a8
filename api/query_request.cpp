#include "api/query_request.h"

#include <algorithm>
#include <charconv>
#include <optional>

#include "model/ascii.h"
#include "model/query_filter.h"

namespace emarchive::api {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

// Whether a value of `node` may be a time relative to now.
bool mentions_now(const FilterNode& node) {
  if (node.type == FilterNode::Type::Compare) return is_relative_time(node.value);
  return std::any_of(node.children.begin(), node.children.end(),
                     [](const FilterNode& child) { return mentions_now(child); });
}

// The last value given for a parameter, matched case-insensitively.
const std::string* param(const Params& params, std::string_view name) {
  const std::string* found = nullptr;
  for (const auto& [key, value] : params) {
    if (iequals(key, name)) found = &value;
  }
  return found;
}

// Every error here is a parameter the client got wrong.
Error invalid(std::string message) {
  return Error{std::move(message), ErrorCode::invalid_input};
}

Expected<std::int64_t> positive(const Params& params, std::string_view name, std::int64_t dflt) {
  const std::string* text = param(params, name);
  if (!text) return dflt;
  std::int64_t v = 0;
  const char* end = text->data() + text->size();
  auto [ptr, ec] = std::from_chars(text->data(), end, v);
  if (ec != std::errc{} || ptr != end || v < 1) {
    return invalid(std::string(name) + ": '" + *text + "' is not a positive integer");
  }
  return v;
}

// The comparisons in `node` of a listed field with a value outside its list.
Status collect_unlisted(const QueryType& type, const FilterNode& node, EmTime now,
                        std::vector<UnlistedValue>& out) {
  for (const FilterNode& child : node.children) {
    if (auto status = collect_unlisted(type, child, now, out); !status) return status;
  }
  if (node.type != FilterNode::Type::Compare ||
      (node.op != CompareOp::Equal && node.op != CompareOp::NotEqual)) {
    return Ok{};
  }
  const QueryField* field = find_query_field(type, node.field);
  if (!field) return Ok{};
  const auto listed = listed_values(*field);
  if (listed.empty() || std::any_of(listed.begin(), listed.end(),
                                    [&](std::string_view v) { return iequals(v, node.value); })) {
    return Ok{};
  }
  FilterNode equal = node;
  equal.op = CompareOp::Equal;
  auto compiled = storage::compile_filter(type, equal, now);
  if (!compiled) return compiled.error();
  out.push_back(UnlistedValue{field, node.value, node.position, std::move(*compiled)});
  return Ok{};
}

}  // namespace

Expected<QueryRequest> parse_query_request(const Params& params, EmTime now) {
  QueryRequest request;
  const std::string* type = param(params, "type");
  if (!type || type->empty()) return invalid("type: missing; the query service needs type=...");
  request.type = find_query_type(*type);
  if (!request.type) {
    std::string known;
    for (const QueryType& t : all_query_types()) {
      known += known.empty() ? "" : ", ";
      known += t.name;
    }
    return invalid("type: '" + *type + "' is not a type this archive holds (" + known + ")");
  }
  request.query.kind = request.type->kind;

  if (const std::string* format = param(params, "format")) {
    if (iequals(*format, "Entities")) {
      request.form = Form::Entity;
      request.query.entities_only = true;
    } else if (!iequals(*format, "References")) {
      return invalid("format: '" + *format + "' is neither References nor Entities");
    }
  }

  const std::string* asc = param(params, "sortAsc");
  const std::string* desc = param(params, "sortDesc");
  if (asc && desc) return invalid("sortAsc and sortDesc: give one of them, not both");
  if (asc || desc) {
    const std::string& name = asc ? *asc : *desc;
    request.query.sort.field = find_query_field(*request.type, name);
    request.query.sort.descending = desc != nullptr;
    if (!request.query.sort.field) {
      std::string fields;
      for (const QueryField& f : request.type->fields) {
        fields += fields.empty() ? "" : ", ";
        fields += f.name;
      }
      return invalid(std::string(asc ? "sortAsc" : "sortDesc") + ": unknown field '" + name +
                     "' for type " + std::string(request.type->name) + " (fields: " + fields + ")");
    }
  }

  auto page_size = positive(params, "pageSize", kDefaultPageSize);
  if (!page_size) return page_size.error();
  auto page = positive(params, "page", 1);
  if (!page) return page.error();
  request.page_size = *page_size;
  request.page = *page;
  if (request.page - 1 > INT64_MAX / request.page_size) return invalid("page: too large");
  request.query.offset = (request.page - 1) * request.page_size;
  request.query.limit = request.page_size;

  if (const std::string* filter = param(params, "filter")) {
    auto parsed = parse_filter(*filter);
    if (!parsed) return parsed.error();
    auto compiled = storage::compile_filter(*request.type, *parsed, now);
    if (!compiled) return compiled.error();
    request.query.filter = std::move(*compiled);
    request.reads_clock = mentions_now(*parsed);
    if (auto status = collect_unlisted(*request.type, *parsed, now, request.unlisted_values);
        !status) {
      return status.error();
    }
  }
  return request;
}

Expected<std::optional<std::string>> unknown_value(storage::Archive& archive,
                                                   const QueryRequest& parsed) {
  for (const UnlistedValue& unlisted : parsed.unlisted_values) {
    storage::RecordQuery in_archive;
    in_archive.kind = parsed.type->kind;
    in_archive.filter = unlisted.filter;
    auto found = storage::count_matches(archive, in_archive);
    if (!found) return found.error();
    if (*found > 0) continue;
    std::string allowed;
    for (std::string_view value : listed_values(*unlisted.field)) {
      allowed += allowed.empty() ? "" : ", ";
      allowed += value;
    }
    return std::optional<std::string>(
        "filter: at character " + std::to_string(unlisted.position + 1) + ": '" + unlisted.value +
        "' is not a " + std::string(unlisted.field->name) + " (allowed: " + allowed +
        ", or a value archived records have)");
  }
  return std::optional<std::string>();
}

}  // namespace emarchive::api
