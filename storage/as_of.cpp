#include "storage/as_of.h"

#include <charconv>
#include <cstdint>
#include <limits>

#include "storage/table_names.h"

namespace emarchive::storage {

Expected<EmTime> parse_as_of_time(std::string_view text, EmTime now) {
  constexpr std::string_view kNow = "now";
  if (!text.starts_with(kNow)) return parse_em_time(text);
  std::string_view rest = text.substr(kNow.size());
  if (rest.empty()) return now;
  const auto fail = [&] {
    return Error{"'" + std::string(text) +
                     "' is neither an xs:dateTime nor now-N with a unit s, m, h, d or w "
                     "(now-7d)",
                 ErrorCode::invalid_input};
  };
  if (rest.size() < 3 || rest.front() != '-') return fail();
  EmTime unit = 0;
  switch (rest.back()) {
    case 's':
      unit = kSecond;
      break;
    case 'm':
      unit = kMinute;
      break;
    case 'h':
      unit = kHour;
      break;
    case 'd':
      unit = kDay;
      break;
    case 'w':
      unit = 7 * kDay;
      break;
    default:
      return fail();
  }
  const std::string_view digits = rest.substr(1, rest.size() - 2);
  std::int64_t count = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), count);
  if (ec != std::errc{} || end != digits.data() + digits.size() || count < 0 ||
      count > std::numeric_limits<EmTime>::max() / unit) {
    return fail();
  }
  return now - count * unit;
}

RecordQuerySql as_of_query_sql(Table table, const std::string& where, const std::string& order,
                               std::vector<SqlValue> params, bool entities_only) {
  const std::string name = table_name(table);
  const std::string changed = "SELECT t.* FROM temp.asof_" + name + " t WHERE " + where +
                              (entities_only ? " AND t.record_id IN temp.asof_entities" : "");
  const std::string unchanged = "SELECT t.* FROM main." + name + " t WHERE " + where +
                                " AND t.record_id NOT IN temp.asof_changed";
  // LIMIT and OFFSET are bound after both copies of `params`; numbered, as the inner LIMIT uses
  // them too.
  const std::string limit = "?" + std::to_string(2 * params.size() + 1);
  const std::string offset = "?" + std::to_string(2 * params.size() + 2);
  RecordQuerySql out;
  out.count = "SELECT (SELECT count(*) FROM (" + changed + ")) + (SELECT count(*) FROM (" +
              unchanged + "))";
  out.select_ids = "SELECT t.record_id FROM (" + changed + " UNION ALL SELECT * FROM (" +
                   unchanged + " ORDER BY " + order + ", t.record_id LIMIT CASE WHEN " + limit +
                   " < 0 THEN -1 ELSE " + limit + " + " + offset + " END)) t ORDER BY " + order +
                   ", t.record_id LIMIT " + limit + " OFFSET " + offset;
  out.params = params;
  out.params.insert(out.params.end(), params.begin(), params.end());
  return out;
}

}  // namespace emarchive::storage
