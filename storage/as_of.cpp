#include "storage/as_of.h"

#include "model/query_filter.h"
#include "storage/table_names.h"

namespace emarchive::storage {

Expected<EmTime> parse_as_of_time(std::string_view text, EmTime now) {
  // The same relative times as a query filter's (model/query_filter.h).
  if (is_relative_time(text)) return resolve_relative_time(text, now);
  return parse_em_time(text);
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
                   unchanged + " ORDER BY " + order + " LIMIT CASE WHEN " + limit +
                   " < 0 THEN -1 ELSE " + limit + " + " + offset + " END)) t ORDER BY " + order +
                   " LIMIT " + limit + " OFFSET " + offset;
  out.params = params;
  out.params.insert(out.params.end(), params.begin(), params.end());
  out.count_params = out.params;
  return out;
}

}  // namespace emarchive::storage
