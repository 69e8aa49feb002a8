-- Schema version 10: query indexes set aside during a bulk load. An import large against the
-- archive it goes into drops the indexes of the typed tables (sessions, jobs, backup_servers),
-- which the writer never reads through, and builds them again when it ends
-- (storage/deferred_indexes.h): kept up row by row, their random inserts were two fifths of an
-- import's CPU time. Each row is one such index, with the CREATE statement that builds it again,
-- written in the transaction that drops it; an import that stops before it ends leaves its rows
-- here, and the next open for writing builds those indexes. Empty whenever no bulk load is
-- running.
CREATE TABLE deferred_indexes (
  name TEXT PRIMARY KEY,
  sql  TEXT NOT NULL
) WITHOUT ROWID;
