-- Schema version 2: what `emarchive ingest` remembers between runs (docs/ARCHITECTURE.md,
-- "Ingest semantics"). docs/SCHEMA.md describes both tables.

-- Per EM source and query type, the creation time of the newest record ingested. The next run
-- asks for records created at or after it minus an overlap window. Advanced in the transaction
-- that stores the page it comes from, so a run stopped at any point resumes where it stopped.
CREATE TABLE ingest_bookmarks (
  source_id        INTEGER NOT NULL REFERENCES sources (id),
  query_type       TEXT NOT NULL,
  creation_time_ns INTEGER NOT NULL,
  run_id           INTEGER REFERENCES runs (id),
  updated_at       TEXT NOT NULL,
  PRIMARY KEY (source_id, query_type)
);

-- Records that EM answered 404 for when the ingester asked for them again (an unfinished session
-- EM has since deleted, a job a session linked to that no longer exists): their last archived
-- state stays, and they are not asked for again.
CREATE TABLE ingest_gone (
  record_id   INTEGER PRIMARY KEY REFERENCES records (id),
  run_id      INTEGER REFERENCES runs (id),
  observed_at TEXT NOT NULL
);
