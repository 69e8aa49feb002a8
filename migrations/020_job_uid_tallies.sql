-- Schema version 20: kept counts of sessions per job by the job's record (job_id), as
-- session_server_tallies keeps them per backup server (migrations 12 and 13). A filter of JobUid
-- was counted by reading each match's index entry: a job's 120,646 task sessions among ten
-- million took 7 to 8 ms to count, most of a page's 7.7 to 13.5 ms, and its middle page walked
-- its offset, 20 to 38 ms (docs/BENCHMARKS-10M.md). Per JobName the tallies are keyed by the
-- name a session carries, which need not be its job's now: a renamed job's sessions keep theirs.
CREATE TABLE session_job_id_tallies (
  kind_id INTEGER NOT NULL,
  job_id  INTEGER NOT NULL,
  result  TEXT NOT NULL COLLATE NOCASE,
  bucket  INTEGER NOT NULL,
  state   TEXT NOT NULL COLLATE NOCASE,
  n       INTEGER NOT NULL,
  PRIMARY KEY (kind_id, job_id, result, bucket, state)
) WITHOUT ROWID;

-- Three of migration 13's triggers take the new table in: the insert, the delete, and the update
-- that moves a session between jobs. A task session's job_id arrives with its job name, in the
-- one UPDATE by which migration 19's triggers copy both from its job session, so the trigger
-- that moved the per-name tally moves this one too. Where a bulk load that stopped early left
-- the old forms in deferred_indexes, the new ones replace them there.
DELETE FROM deferred_indexes
  WHERE name IN ('sessions_tally_insert', 'sessions_tally_delete', 'sessions_job_tally_update');
DROP TRIGGER IF EXISTS sessions_tally_insert;
DROP TRIGGER IF EXISTS sessions_tally_delete;
DROP TRIGGER IF EXISTS sessions_job_tally_update;

CREATE TRIGGER sessions_tally_insert AFTER INSERT ON sessions
  WHEN NEW.creation_time_ns IS NOT NULL
BEGIN
  INSERT INTO session_tallies
    VALUES (NEW.kind_id, coalesce(NEW.result, ''), NEW.creation_time_ns >> 46,
            coalesce(NEW.state, ''), 1)
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
  INSERT INTO session_server_tallies
    SELECT NEW.kind_id, NEW.backup_server_id, coalesce(NEW.result, ''),
           NEW.creation_time_ns >> 46, coalesce(NEW.state, ''), 1
    WHERE NEW.backup_server_id IS NOT NULL
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
  INSERT INTO session_job_tallies
    SELECT NEW.kind_id, NEW.job_name, coalesce(NEW.result, ''), NEW.creation_time_ns >> 46,
           coalesce(NEW.state, ''), 1
    WHERE NEW.job_name IS NOT NULL
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
  INSERT INTO session_job_id_tallies
    SELECT NEW.kind_id, NEW.job_id, coalesce(NEW.result, ''), NEW.creation_time_ns >> 46,
           coalesce(NEW.state, ''), 1
    WHERE NEW.job_id IS NOT NULL
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER sessions_tally_delete AFTER DELETE ON sessions
  WHEN OLD.creation_time_ns IS NOT NULL
BEGIN
  INSERT INTO session_tallies
    VALUES (OLD.kind_id, coalesce(OLD.result, ''), OLD.creation_time_ns >> 46,
            coalesce(OLD.state, ''), -1)
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
  INSERT INTO session_server_tallies
    SELECT OLD.kind_id, OLD.backup_server_id, coalesce(OLD.result, ''),
           OLD.creation_time_ns >> 46, coalesce(OLD.state, ''), -1
    WHERE OLD.backup_server_id IS NOT NULL
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
  INSERT INTO session_job_tallies
    SELECT OLD.kind_id, OLD.job_name, coalesce(OLD.result, ''), OLD.creation_time_ns >> 46,
           coalesce(OLD.state, ''), -1
    WHERE OLD.job_name IS NOT NULL
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
  INSERT INTO session_job_id_tallies
    SELECT OLD.kind_id, OLD.job_id, coalesce(OLD.result, ''), OLD.creation_time_ns >> 46,
           coalesce(OLD.state, ''), -1
    WHERE OLD.job_id IS NOT NULL
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;
-- Both per-job tallies of a session move when its job, its job name or any other part of their
-- key changes; the one whose key stayed gets -1 and +1 on the same row.
CREATE TRIGGER sessions_job_tally_update
  AFTER UPDATE OF kind_id, job_name, job_id, result, state, creation_time_ns ON sessions
  WHEN (OLD.kind_id, OLD.job_name, OLD.job_id, OLD.result, OLD.state, OLD.creation_time_ns >> 46)
       IS NOT
       (NEW.kind_id, NEW.job_name, NEW.job_id, NEW.result, NEW.state, NEW.creation_time_ns >> 46)
BEGIN
  INSERT INTO session_job_tallies
    SELECT OLD.kind_id, OLD.job_name, coalesce(OLD.result, ''), OLD.creation_time_ns >> 46,
           coalesce(OLD.state, ''), -1
    WHERE OLD.creation_time_ns IS NOT NULL AND OLD.job_name IS NOT NULL
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
  INSERT INTO session_job_tallies
    SELECT NEW.kind_id, NEW.job_name, coalesce(NEW.result, ''), NEW.creation_time_ns >> 46,
           coalesce(NEW.state, ''), 1
    WHERE NEW.creation_time_ns IS NOT NULL AND NEW.job_name IS NOT NULL
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
  INSERT INTO session_job_id_tallies
    SELECT OLD.kind_id, OLD.job_id, coalesce(OLD.result, ''), OLD.creation_time_ns >> 46,
           coalesce(OLD.state, ''), -1
    WHERE OLD.creation_time_ns IS NOT NULL AND OLD.job_id IS NOT NULL
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
  INSERT INTO session_job_id_tallies
    SELECT NEW.kind_id, NEW.job_id, coalesce(NEW.result, ''), NEW.creation_time_ns >> 46,
           coalesce(NEW.state, ''), 1
    WHERE NEW.creation_time_ns IS NOT NULL AND NEW.job_id IS NOT NULL
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;

-- The archive's sessions are counted into every tally by the next open for writing, right after
-- this migration, as after migrations 12, 13 and 18: every tally trigger waits in
-- deferred_indexes until then (storage/session_tallies.h), and counts read the index meanwhile.
INSERT INTO deferred_indexes (name, sql)
  SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'sessions'
    AND name IN ('sessions_tally_insert', 'sessions_tally_delete', 'sessions_tally_update',
                 'sessions_job_tally_update', 'sessions_end_tally_insert',
                 'sessions_end_tally_delete', 'sessions_end_tally_update');
DROP TRIGGER sessions_tally_insert;
DROP TRIGGER sessions_tally_delete;
DROP TRIGGER IF EXISTS sessions_tally_update;
DROP TRIGGER sessions_job_tally_update;
DROP TRIGGER IF EXISTS sessions_end_tally_insert;
DROP TRIGGER IF EXISTS sessions_end_tally_delete;
DROP TRIGGER IF EXISTS sessions_end_tally_update;
