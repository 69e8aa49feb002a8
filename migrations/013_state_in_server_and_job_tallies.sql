-- Schema version 13: the State in the tallies per backup server and per job (migration 12), so
-- that a State with a server or with a job name is counted from them too. Those counts read every
-- matching index entry: State==Completed of one server took 230-250 ms a page among 1,000,000
-- task sessions (docs/BENCHMARKS.md). The State comes last in the key, as in session_tallies:
-- most sessions share it (Completed, Stopped), so it adds a row to a bucket only for the few
-- sessions stored while they ran, and the row stays, at 0, once they finish.
--
-- The two tables are made anew and every tally is counted again by the next open for writing,
-- right after this migration, as after migration 12: the triggers wait in deferred_indexes until
-- then (storage/deferred_indexes.h), and counts read the index meanwhile. Where a bulk load that
-- stopped early left the old triggers in deferred_indexes, the new ones replace them there.
DELETE FROM deferred_indexes
  WHERE name IN ('sessions_tally_insert', 'sessions_tally_delete', 'sessions_tally_update',
                 'sessions_job_tally_update');
DROP TRIGGER IF EXISTS sessions_tally_insert;
DROP TRIGGER IF EXISTS sessions_tally_delete;
DROP TRIGGER IF EXISTS sessions_tally_update;
DROP TRIGGER IF EXISTS sessions_job_tally_update;
DROP TABLE session_server_tallies;
DROP TABLE session_job_tallies;

CREATE TABLE session_server_tallies (
  kind_id          INTEGER NOT NULL,
  backup_server_id INTEGER NOT NULL,
  result           TEXT NOT NULL COLLATE NOCASE,
  bucket           INTEGER NOT NULL,
  state            TEXT NOT NULL COLLATE NOCASE,
  n                INTEGER NOT NULL,
  PRIMARY KEY (kind_id, backup_server_id, result, bucket, state)
) WITHOUT ROWID;
CREATE TABLE session_job_tallies (
  kind_id  INTEGER NOT NULL,
  job_name TEXT NOT NULL COLLATE NOCASE,
  result   TEXT NOT NULL COLLATE NOCASE,
  bucket   INTEGER NOT NULL,
  state    TEXT NOT NULL COLLATE NOCASE,
  n        INTEGER NOT NULL,
  PRIMARY KEY (kind_id, job_name, result, bucket, state)
) WITHOUT ROWID;

-- As in migration 12, with the State in every row.
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
END;
-- Both tallies of a session move when either key changes (a session that finishes moves from
-- Working to Stopped); the one whose key stayed gets -1 and +1 on the same row.
CREATE TRIGGER sessions_tally_update
  AFTER UPDATE OF kind_id, result, state, backup_server_id, creation_time_ns ON sessions
  WHEN (OLD.kind_id, OLD.result, OLD.state, OLD.backup_server_id, OLD.creation_time_ns >> 46)
       IS NOT (NEW.kind_id, NEW.result, NEW.state, NEW.backup_server_id, NEW.creation_time_ns >> 46)
BEGIN
  INSERT INTO session_tallies
    SELECT OLD.kind_id, coalesce(OLD.result, ''), OLD.creation_time_ns >> 46,
           coalesce(OLD.state, ''), -1
    WHERE OLD.creation_time_ns IS NOT NULL
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
  INSERT INTO session_tallies
    SELECT NEW.kind_id, coalesce(NEW.result, ''), NEW.creation_time_ns >> 46,
           coalesce(NEW.state, ''), 1
    WHERE NEW.creation_time_ns IS NOT NULL
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
  INSERT INTO session_server_tallies
    SELECT OLD.kind_id, OLD.backup_server_id, coalesce(OLD.result, ''),
           OLD.creation_time_ns >> 46, coalesce(OLD.state, ''), -1
    WHERE OLD.creation_time_ns IS NOT NULL AND OLD.backup_server_id IS NOT NULL
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
  INSERT INTO session_server_tallies
    SELECT NEW.kind_id, NEW.backup_server_id, coalesce(NEW.result, ''),
           NEW.creation_time_ns >> 46, coalesce(NEW.state, ''), 1
    WHERE NEW.creation_time_ns IS NOT NULL AND NEW.backup_server_id IS NOT NULL
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;
-- Separate from the one above: a task session's job name arrives by itself, when its job session
-- is stored (migration 9's triggers), and then only this tally changes; a change of State moves
-- the session here as well.
CREATE TRIGGER sessions_job_tally_update
  AFTER UPDATE OF kind_id, job_name, result, state, creation_time_ns ON sessions
  WHEN (OLD.kind_id, OLD.job_name, OLD.result, OLD.state, OLD.creation_time_ns >> 46) IS NOT
       (NEW.kind_id, NEW.job_name, NEW.result, NEW.state, NEW.creation_time_ns >> 46)
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
END;

INSERT INTO deferred_indexes (name, sql)
  SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'sessions'
    AND name IN ('sessions_tally_insert', 'sessions_tally_delete', 'sessions_tally_update',
                 'sessions_job_tally_update');
DROP TRIGGER sessions_tally_insert;
DROP TRIGGER sessions_tally_delete;
DROP TRIGGER sessions_tally_update;
DROP TRIGGER sessions_job_tally_update;
