#pragma once
// The archive as it was at an instant (`serve --as-of`, `/asof/<TIME>/api/...`,
// `query --as-of`; docs/API.md, "EM as it was"): each record as the latest revision of each of
// its forms observed at or before the instant, records first observed later not at all, each
// observed resource as its revision observed then. Archive::load_as_of, observation_as_of and
// RecordQuery::as_of answer so; this header has what their callers and storage/ share.

#include <string>
#include <string_view>
#include <vector>

#include "model/em_time.h"
#include "model/expected.h"
#include "model/kind.h"
#include "storage/record_query.h"

namespace emarchive::storage {

// An instant a person or an EM client names: an xs:dateTime as parse_em_time takes it
// ("2026-06-01T00:00:00Z", "2026-06-01T02:00:00+02:00", no zone = UTC), or a time relative to
// `now` as a query filter writes it ("now-7d", "now-12h", "now"; model/query_filter.h).
// The error quotes the text and says what is wrong; callers add where it was found.
Expected<EmTime> parse_as_of_time(std::string_view text, EmTime now);

// Internal to storage/'s SQLite backend: RecordQuery's statements when RecordQuery::as_of is
// set, from the parts record_query_sql builds: `where` over the alias t with its `params`, and
// `order` (ORDER BY's terms, the last tie breaker included). Records changed after the instant (temp.asof_changed) are left out of `table` and
// read instead from the rows rebuilt for the instant (temp.asof_<table>, with `entities_only`
// only those whose entity had been observed then; storage/as_of_reader.h). The page is taken
// from those rows and the first offset + limit rows of `table`, so that its indexes still order
// the page and a query at an instant costs about what it costs now. Both statements take the
// returned params, the select then LIMIT and OFFSET.
RecordQuerySql as_of_query_sql(Table table, const std::string& where, const std::string& order,
                               std::vector<SqlValue> params, bool entities_only);

}  // namespace emarchive::storage
