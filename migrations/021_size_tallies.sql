-- Schema version 21: kept counts of sessions by TotalSize. A filter of TotalSize bounds was
-- counted by reading each match's entry in sessions_kind_size_creation: 0.5 s a page for every
-- task session with a size among ten million, 7 to 14 ms for the largest hundredth
-- (docs/BENCHMARKS-10M.md). A row per kind and bucket of size holds how many sessions have a size
-- in it (n). A size's bucket is its number of decimal digits times 10,000 plus its first four
-- digits: the buckets keep the sizes' order, each holds the sizes that share their first four
-- digits (one size apiece below 10,000; a bucket's sizes then differ by less than a thousandth
-- of them), and every negative size is in bucket 0. storage/size_range.cpp counts a range from n
-- where a bucket lies wholly inside it, and the partial buckets at its ends from the index;
-- storage/session_tallies.cpp writes the same bucket in C++ and in the count afresh.
CREATE TABLE session_size_tallies (
  kind_id INTEGER NOT NULL,
  bucket  INTEGER NOT NULL,
  n       INTEGER NOT NULL,
  PRIMARY KEY (kind_id, bucket)
) WITHOUT ROWID;

-- Each change adds its delta with an upsert, as migration 12's triggers do. Only an entity
-- writes total_size, an integer (storage/record_writer.cpp).
CREATE TRIGGER sessions_size_tally_insert AFTER INSERT ON sessions
  WHEN NEW.total_size IS NOT NULL
BEGIN
  INSERT INTO session_size_tallies
    VALUES (NEW.kind_id,
            CASE WHEN NEW.total_size < 0 THEN 0
                 ELSE length(NEW.total_size) * 10000 + CAST(substr(NEW.total_size, 1, 4) AS INTEGER)
            END, 1)
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER sessions_size_tally_delete AFTER DELETE ON sessions
  WHEN OLD.total_size IS NOT NULL
BEGIN
  INSERT INTO session_size_tallies
    VALUES (OLD.kind_id,
            CASE WHEN OLD.total_size < 0 THEN 0
                 ELSE length(OLD.total_size) * 10000 + CAST(substr(OLD.total_size, 1, 4) AS INTEGER)
            END, -1)
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER sessions_size_tally_update AFTER UPDATE OF kind_id, total_size ON sessions
  WHEN (OLD.kind_id, OLD.total_size) IS NOT (NEW.kind_id, NEW.total_size)
BEGIN
  INSERT INTO session_size_tallies
    SELECT OLD.kind_id,
           CASE WHEN OLD.total_size < 0 THEN 0
                ELSE length(OLD.total_size) * 10000 + CAST(substr(OLD.total_size, 1, 4) AS INTEGER)
           END, -1
    WHERE OLD.total_size IS NOT NULL
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
  INSERT INTO session_size_tallies
    SELECT NEW.kind_id,
           CASE WHEN NEW.total_size < 0 THEN 0
                ELSE length(NEW.total_size) * 10000 + CAST(substr(NEW.total_size, 1, 4) AS INTEGER)
           END, 1
    WHERE NEW.total_size IS NOT NULL
    ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;

-- The archive's sessions are counted into the new table here, in one pass over the size index (5 s
-- in sqlite3 over ten million task sessions in the page cache; docs/BENCHMARKS.md has the first
-- open for writing of a copy just made): the other tallies, and their triggers, stay. Where
-- a bulk load that stopped early set those triggers aside, the open for writing that runs this
-- migration counts every tally afresh, this one with them (storage/deferred_indexes.cpp).
INSERT INTO session_size_tallies
  SELECT kind_id,
         CASE WHEN total_size < 0 THEN 0
              ELSE length(total_size) * 10000 + CAST(substr(total_size, 1, 4) AS INTEGER) END,
         count(*)
  FROM sessions WHERE total_size IS NOT NULL
  GROUP BY 1, 2;
