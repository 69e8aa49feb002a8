-- Schema version 3: the query service's commonest question, sessions of one type with a given
-- Result (or State) created within a time range, newest first, answered from one index. With
-- only (kind_id, result) or (kind_id, creation_time_ns), SQLite reads the table row of every
-- session in the range, or of every failure ever, to count the matches and to skip to a deep
-- page: 120 ms for the last page over 100,000 task sessions, 5 ms with these (docs/BENCHMARKS.md).
-- Each replaces the index it extends, which it serves as well.
DROP INDEX sessions_kind_result;
CREATE INDEX sessions_kind_result_creation
  ON sessions (kind_id, result COLLATE NOCASE, creation_time_ns);
DROP INDEX sessions_kind_state;
CREATE INDEX sessions_kind_state_creation
  ON sessions (kind_id, state COLLATE NOCASE, creation_time_ns);
