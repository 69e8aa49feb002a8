-- Query indexes: one for each filter people use most, with the sort key last, so that a page and
-- the count PagingInfo needs read only the matching index entries (docs/SCHEMA.md, "Query
-- plans"). Every query names the kind, so each starts with kind_id; each ends in
-- creation_time_ns, the default order, and SQLite appends the rowid (record_id), the last tie
-- breaker (storage/record_query.cpp). Without them, VmDisplayName=="x" walked the kind's whole
-- creation-time index: 240-480 ms a page over 1,000,000 task sessions (docs/BENCHMARKS.md).
--
-- Per VM and per task-session name (EM names a task session after its VM). Each replaces the
-- index without kind_id it extends, which no query uses any more.
DROP INDEX sessions_vm_display_name;
CREATE INDEX sessions_kind_vm_creation
  ON sessions (kind_id, vm_display_name COLLATE NOCASE, creation_time_ns);
DROP INDEX sessions_name;
CREATE INDEX sessions_kind_name_creation
  ON sessions (kind_id, name COLLATE NOCASE, creation_time_ns);
-- Per VM by UID (backup task sessions carry one).
CREATE INDEX sessions_kind_vm_uid_creation
  ON sessions (kind_id, vm_uid COLLATE NOCASE, creation_time_ns);
-- Per job: job sessions by the job's name or UID, and with a Result. Task sessions hold neither:
-- JobName=="x" and JobUid=="x" on them become "parent in the job sessions of that job" (found
-- by these), then the next index.
CREATE INDEX sessions_kind_job_name_creation
  ON sessions (kind_id, job_name COLLATE NOCASE, creation_time_ns);
CREATE INDEX sessions_kind_job_result_creation
  ON sessions (kind_id, job_id, result COLLATE NOCASE, creation_time_ns);
-- Task sessions per job session (and so per job), and with a Result.
CREATE INDEX sessions_kind_parent_result_creation
  ON sessions (kind_id, parent_id, result COLLATE NOCASE, creation_time_ns);
-- Per backup server. Replaces the index without kind_id.
DROP INDEX sessions_backup_server;
CREATE INDEX sessions_kind_server_creation
  ON sessions (kind_id, backup_server_id, creation_time_ns);
-- The planner chooses among these by their statistics; an archive's connections keep them
-- current as it grows (PRAGMA optimize, storage/sqlite_archive.cpp). A whole ANALYZE, not a
-- sampled one (analysis_limit): a sample reads the first entries of each index, all of one kind,
-- and made the planner walk the creation-time index for JobName=="x" (3.6 s a page at
-- 1,000,000 task sessions instead of milliseconds). About a second per million sessions.
ANALYZE;
