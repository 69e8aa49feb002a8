-- Schema version 17: indexes for the two fields of task sessions that EM's query service filters
-- on and no index served, Reason and TotalSize. Without them a filter on either, or a sort by
-- TotalSize, read every session of the archive: 3.7 s for a page of Reason=="x" over 10,000,000
-- task sessions, 4.2 s for the first page of them by size (docs/BENCHMARKS.md). Both end in
-- creation_time_ns, as the other query indexes do: Reason=="x" pages in creation order from its
-- own range, and a page of sessions by size tests "archived, not a stub" on the index entry
-- (docs/SCHEMA.md, "Query plans") instead of reading each row.
CREATE INDEX sessions_kind_reason_creation
  ON sessions (kind_id, reason COLLATE NOCASE, creation_time_ns);
CREATE INDEX sessions_kind_size_creation
  ON sessions (kind_id, total_size, creation_time_ns);
ANALYZE sessions_kind_reason_creation;
ANALYZE sessions_kind_size_creation;
