-- Schema version 12: kept counts of sessions, for the count PagingInfo needs. SQLite counts the
-- matches of a filter by reading each of their index entries: 23 ms for the 548,505 failed task
-- sessions among 10,000,000, and every unfiltered collection read its kind's ten million
-- (docs/BENCHMARKS.md). A tally holds how many sessions of a kind, with a Result and a State (and
-- of a backup server, and of a job by name, with a Result), were created in each slice of time
-- 2^46 ns (19.5 hours) long: the bucket, creation_time_ns >> 46, which floors for times before
-- 1970 as well. storage/record_query.cpp counts a filter of Result, State (or a server, or
-- JobName) and CreationTime bounds as the sum of the buckets wholly inside its range, plus the
-- matches in the partial buckets at either end (and those without a creation time) counted from
-- the index: one or two slices' entries, not the whole range's.
--
-- Only sessions with a creation time are tallied (they are archived entities; a stub has none).
-- A session without a Result or a State is tallied under ''; a filter of Result=="" or State==""
-- is counted from the index. Text compares as the query service compares it, without regard to
-- ASCII case. Most sessions share a few pairs of State and Result (Completed and Success, say),
-- so the State, last in the key, costs few rows: a count of one Result reads that Result's
-- buckets in its range, a count of one State all of the kind's tallies.
CREATE TABLE session_tallies (
  kind_id INTEGER NOT NULL,
  result  TEXT NOT NULL COLLATE NOCASE,
  bucket  INTEGER NOT NULL,
  state   TEXT NOT NULL COLLATE NOCASE,
  n       INTEGER NOT NULL,
  PRIMARY KEY (kind_id, result, bucket, state)
) WITHOUT ROWID;
-- The same per backup server, by its record's id (a server renamed keeps its tallies;
-- BackupServerName finds the ids of its name when it counts); sessions without one are not
-- tallied here. A table of its own, not a column of the one above: an estate's servers would
-- multiply the rows that every count of the kind reads.
CREATE TABLE session_server_tallies (
  kind_id          INTEGER NOT NULL,
  backup_server_id INTEGER NOT NULL,
  result           TEXT NOT NULL COLLATE NOCASE,
  bucket           INTEGER NOT NULL,
  n                INTEGER NOT NULL,
  PRIMARY KEY (kind_id, backup_server_id, result, bucket)
) WITHOUT ROWID;
-- The same per job name (task sessions hold their job session's, migration 9); sessions without
-- one are not tallied here.
CREATE TABLE session_job_tallies (
  kind_id  INTEGER NOT NULL,
  job_name TEXT NOT NULL COLLATE NOCASE,
  result   TEXT NOT NULL COLLATE NOCASE,
  bucket   INTEGER NOT NULL,
  n        INTEGER NOT NULL,
  PRIMARY KEY (kind_id, job_name, result, bucket)
) WITHOUT ROWID;

-- Kept in the transaction that changes the session. Each change adds its delta with an upsert,
-- so that a decrement that runs before its increment (SQLite does not order two triggers on one
-- event) still sums right; a key whose tally reaches 0 keeps its row. An update moves a session
-- between tallies only when its key changes: an entity stored again unchanged costs the WHEN.
CREATE TRIGGER sessions_tally_insert AFTER INSERT ON sessions
  WHEN NEW.creation_time_ns IS NOT NULL
BEGIN
  INSERT INTO session_tallies
    VALUES (NEW.kind_id, coalesce(NEW.result, ''), NEW.creation_time_ns >> 46,
            coalesce(NEW.state, ''), 1)
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
  INSERT INTO session_server_tallies
    SELECT NEW.kind_id, NEW.backup_server_id, coalesce(NEW.result, ''),
           NEW.creation_time_ns >> 46, 1
    WHERE NEW.backup_server_id IS NOT NULL
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
  INSERT INTO session_job_tallies
    SELECT NEW.kind_id, NEW.job_name, coalesce(NEW.result, ''), NEW.creation_time_ns >> 46, 1
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
           OLD.creation_time_ns >> 46, -1
    WHERE OLD.backup_server_id IS NOT NULL
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
  INSERT INTO session_job_tallies
    SELECT OLD.kind_id, OLD.job_name, coalesce(OLD.result, ''), OLD.creation_time_ns >> 46, -1
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
           OLD.creation_time_ns >> 46, -1
    WHERE OLD.creation_time_ns IS NOT NULL AND OLD.backup_server_id IS NOT NULL
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
  INSERT INTO session_server_tallies
    SELECT NEW.kind_id, NEW.backup_server_id, coalesce(NEW.result, ''),
           NEW.creation_time_ns >> 46, 1
    WHERE NEW.creation_time_ns IS NOT NULL AND NEW.backup_server_id IS NOT NULL
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;
-- Separate from the one above: a task session's job name arrives by itself, when its job session
-- is stored (migration 9's triggers), and then only this tally changes.
CREATE TRIGGER sessions_job_tally_update
  AFTER UPDATE OF kind_id, job_name, result, creation_time_ns ON sessions
  WHEN (OLD.kind_id, OLD.job_name, OLD.result, OLD.creation_time_ns >> 46) IS NOT
       (NEW.kind_id, NEW.job_name, NEW.result, NEW.creation_time_ns >> 46)
BEGIN
  INSERT INTO session_job_tallies
    SELECT OLD.kind_id, OLD.job_name, coalesce(OLD.result, ''), OLD.creation_time_ns >> 46, -1
    WHERE OLD.creation_time_ns IS NOT NULL AND OLD.job_name IS NOT NULL
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
  INSERT INTO session_job_tallies
    SELECT NEW.kind_id, NEW.job_name, coalesce(NEW.result, ''), NEW.creation_time_ns >> 46, 1
    WHERE NEW.creation_time_ns IS NOT NULL AND NEW.job_name IS NOT NULL
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;

-- The archive's sessions are counted into the tallies by the next open for writing, right after
-- this migration, as after a bulk load (storage/deferred_indexes.h): the triggers wait in
-- deferred_indexes until then, and counts read the index meanwhile.
INSERT INTO deferred_indexes (name, sql)
  SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'sessions'
    AND name IN ('sessions_tally_insert', 'sessions_tally_delete', 'sessions_tally_update',
                 'sessions_job_tally_update');
DROP TRIGGER sessions_tally_insert;
DROP TRIGGER sessions_tally_delete;
DROP TRIGGER sessions_tally_update;
DROP TRIGGER sessions_job_tally_update;
