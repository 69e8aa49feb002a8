-- Schema version 18: kept counts of sessions by end time, with the shortest and the longest of
-- their durations. A filter of EndTime bounds was counted by reading each match's entry in
-- sessions_kind_end (163 ms for half of ten million task sessions), and its page in creation
-- order, the default, sorted every match, as that index is in end-time order (2.8 s a page;
-- docs/BENCHMARKS-10M.md). A row per kind and bucket of end time (end_time_ns >> 46, 19.5 hours,
-- as the buckets of migration 12) holds how many sessions ended in it (n), how many of those have
-- no creation time (undated), and the least and the most of end_time_ns - creation_time_ns among
-- the others (shortest, longest). storage/record_query.cpp counts such a filter from n, as it
-- counts from session_tallies; storage/end_time_range.cpp bounds the creation time of its
-- matches by the durations of the buckets in its range, so that a page in creation order walks
-- sessions_kind_creation between those bounds instead of sorting.
--
-- Every session with an end time is an archived entity (only an entity writes one). A session
-- removed from a bucket leaves the bucket's shortest and longest as they were: they may then be
-- wider than its sessions' own, never narrower, which is all a bound needs. A count afresh (a
-- bulk load's end) makes them exact again.
CREATE TABLE session_end_tallies (
  kind_id  INTEGER NOT NULL,
  bucket   INTEGER NOT NULL,
  n        INTEGER NOT NULL,
  undated  INTEGER NOT NULL,
  shortest INTEGER,
  longest  INTEGER,
  PRIMARY KEY (kind_id, bucket)
) WITHOUT ROWID;

-- Each change adds its delta with an upsert, as migration 12's triggers do; min and max of the
-- bounds leave out NULL (a bucket without dated sessions, a removal).
CREATE TRIGGER sessions_end_tally_insert AFTER INSERT ON sessions
  WHEN NEW.end_time_ns IS NOT NULL
BEGIN
  INSERT INTO session_end_tallies
    VALUES (NEW.kind_id, NEW.end_time_ns >> 46, 1, NEW.creation_time_ns IS NULL,
            NEW.end_time_ns - NEW.creation_time_ns, NEW.end_time_ns - NEW.creation_time_ns)
    ON CONFLICT DO UPDATE SET n = n + excluded.n, undated = undated + excluded.undated,
      shortest = min(coalesce(shortest, excluded.shortest), coalesce(excluded.shortest, shortest)),
      longest = max(coalesce(longest, excluded.longest), coalesce(excluded.longest, longest));
END;
CREATE TRIGGER sessions_end_tally_delete AFTER DELETE ON sessions
  WHEN OLD.end_time_ns IS NOT NULL
BEGIN
  INSERT INTO session_end_tallies
    VALUES (OLD.kind_id, OLD.end_time_ns >> 46, -1, -(OLD.creation_time_ns IS NULL), NULL, NULL)
    ON CONFLICT DO UPDATE SET n = n + excluded.n, undated = undated + excluded.undated;
END;
-- A session that finishes gets its end time here (it had none); a change of its creation time
-- changes its duration, though not its bucket.
CREATE TRIGGER sessions_end_tally_update
  AFTER UPDATE OF kind_id, end_time_ns, creation_time_ns ON sessions
  WHEN (OLD.kind_id, OLD.end_time_ns, OLD.creation_time_ns)
       IS NOT (NEW.kind_id, NEW.end_time_ns, NEW.creation_time_ns)
BEGIN
  INSERT INTO session_end_tallies
    SELECT OLD.kind_id, OLD.end_time_ns >> 46, -1, -(OLD.creation_time_ns IS NULL), NULL, NULL
    WHERE OLD.end_time_ns IS NOT NULL
    ON CONFLICT DO UPDATE SET n = n + excluded.n, undated = undated + excluded.undated;
  INSERT INTO session_end_tallies
    SELECT NEW.kind_id, NEW.end_time_ns >> 46, 1, NEW.creation_time_ns IS NULL,
           NEW.end_time_ns - NEW.creation_time_ns, NEW.end_time_ns - NEW.creation_time_ns
    WHERE NEW.end_time_ns IS NOT NULL
    ON CONFLICT DO UPDATE SET n = n + excluded.n, undated = undated + excluded.undated,
      shortest = min(coalesce(shortest, excluded.shortest), coalesce(excluded.shortest, shortest)),
      longest = max(coalesce(longest, excluded.longest), coalesce(excluded.longest, longest));
END;

-- The archive's sessions are counted into the new table by the next open for writing, right
-- after this migration, as after migration 12. Every tally trigger waits in deferred_indexes
-- until then, not only the new ones: whether the tallies are current is read from the presence
-- of one of them there (storage/session_tallies.h), and counts read the index meanwhile. Where
-- a bulk load that stopped early left the others there already, they stay.
INSERT INTO deferred_indexes (name, sql)
  SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'sessions'
    AND name IN ('sessions_tally_insert', 'sessions_tally_delete', 'sessions_tally_update',
                 'sessions_job_tally_update', 'sessions_end_tally_insert',
                 'sessions_end_tally_delete', 'sessions_end_tally_update');
DROP TRIGGER IF EXISTS sessions_tally_insert;
DROP TRIGGER IF EXISTS sessions_tally_delete;
DROP TRIGGER IF EXISTS sessions_tally_update;
DROP TRIGGER IF EXISTS sessions_job_tally_update;
DROP TRIGGER sessions_end_tally_insert;
DROP TRIGGER sessions_end_tally_delete;
DROP TRIGGER sessions_end_tally_update;
