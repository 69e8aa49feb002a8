-- Schema version 22: kept counts of the sessions without a value. A filter of `Reason==""`, and
-- the complement that counts `Reason!="x"` or `VmUid!=""` (storage/record_query.cpp: all the
-- sessions, less those with the value, less those without the field), counted the blank ones by
-- reading each of their index entries: 0.2 to 0.33 s a page over ten million task sessions, of
-- which 5.5 million had no VmUid (docs/BENCHMARKS.md). A row per kind and creation bucket (as in
-- session_tallies, creation_time_ns >> 46) holds how many of its sessions have no value (NULL:
-- `_null`) and an empty one ('': `_empty`) in each column of the sessions that EM's query
-- service filters on and an index leads with right after the kind (storage/session_tallies.h,
-- kBlankColumns), and how many have any of those blank (n). The integer columns are never ''.
-- storage/record_query.cpp counts the buckets wholly inside a range from it and the partial ones
-- at its ends from the column's index.
--
-- Only sessions with a creation time are tallied, as in session_tallies.
CREATE TABLE session_blank_tallies (
  kind_id               INTEGER NOT NULL,
  bucket                INTEGER NOT NULL,
  n                     INTEGER NOT NULL,
  name_null             INTEGER NOT NULL,
  name_empty            INTEGER NOT NULL,
  vm_display_name_null  INTEGER NOT NULL,
  vm_display_name_empty INTEGER NOT NULL,
  vm_uid_null           INTEGER NOT NULL,
  vm_uid_empty          INTEGER NOT NULL,
  reason_null           INTEGER NOT NULL,
  reason_empty          INTEGER NOT NULL,
  total_size_null       INTEGER NOT NULL,
  end_time_ns_null      INTEGER NOT NULL,
  PRIMARY KEY (kind_id, bucket)
) WITHOUT ROWID;

-- Each change of a session goes through one view, whose INSTEAD OF trigger adds the session's
-- blanks to its bucket's row with an upsert (as migration 12's triggers do), `sign` 1 for the
-- session as it is now and -1 for it as it was; a session with every one of the columns holding a
-- value costs the WHEN only. `x IS ''` is 0 for NULL.
CREATE VIEW session_blank_changes (kind_id, creation_time_ns, name, vm_display_name, vm_uid,
                                   reason, total_size, end_time_ns, sign) AS
  SELECT kind_id, creation_time_ns, name, vm_display_name, vm_uid, reason, total_size,
         end_time_ns, 0 FROM sessions WHERE 0;
CREATE TRIGGER session_blank_change INSTEAD OF INSERT ON session_blank_changes
  WHEN NEW.creation_time_ns IS NOT NULL
    AND (coalesce(NEW.name, '') = '' OR coalesce(NEW.vm_display_name, '') = ''
         OR coalesce(NEW.vm_uid, '') = '' OR coalesce(NEW.reason, '') = ''
         OR NEW.total_size IS NULL OR NEW.end_time_ns IS NULL)
BEGIN
  INSERT INTO session_blank_tallies
    VALUES (NEW.kind_id, NEW.creation_time_ns >> 46, NEW.sign,
            NEW.sign * (NEW.name IS NULL), NEW.sign * (NEW.name IS ''),
            NEW.sign * (NEW.vm_display_name IS NULL), NEW.sign * (NEW.vm_display_name IS ''),
            NEW.sign * (NEW.vm_uid IS NULL), NEW.sign * (NEW.vm_uid IS ''),
            NEW.sign * (NEW.reason IS NULL), NEW.sign * (NEW.reason IS ''),
            NEW.sign * (NEW.total_size IS NULL), NEW.sign * (NEW.end_time_ns IS NULL))
    ON CONFLICT DO UPDATE SET
      n = n + excluded.n,
      name_null = name_null + excluded.name_null,
      name_empty = name_empty + excluded.name_empty,
      vm_display_name_null = vm_display_name_null + excluded.vm_display_name_null,
      vm_display_name_empty = vm_display_name_empty + excluded.vm_display_name_empty,
      vm_uid_null = vm_uid_null + excluded.vm_uid_null,
      vm_uid_empty = vm_uid_empty + excluded.vm_uid_empty,
      reason_null = reason_null + excluded.reason_null,
      reason_empty = reason_empty + excluded.reason_empty,
      total_size_null = total_size_null + excluded.total_size_null,
      end_time_ns_null = end_time_ns_null + excluded.end_time_ns_null;
END;

CREATE TRIGGER sessions_blank_tally_insert AFTER INSERT ON sessions
  WHEN NEW.creation_time_ns IS NOT NULL
BEGIN
  INSERT INTO session_blank_changes
    VALUES (NEW.kind_id, NEW.creation_time_ns, NEW.name, NEW.vm_display_name, NEW.vm_uid,
            NEW.reason, NEW.total_size, NEW.end_time_ns, 1);
END;
CREATE TRIGGER sessions_blank_tally_delete AFTER DELETE ON sessions
  WHEN OLD.creation_time_ns IS NOT NULL
BEGIN
  INSERT INTO session_blank_changes
    VALUES (OLD.kind_id, OLD.creation_time_ns, OLD.name, OLD.vm_display_name, OLD.vm_uid,
            OLD.reason, OLD.total_size, OLD.end_time_ns, -1);
END;
-- A session moves when any of the columns changes, its creation time within a bucket excepted (a
-- session that finishes gains its EndTime); where none was blank before or after, the view's
-- WHEN stops both halves.
CREATE TRIGGER sessions_blank_tally_update
  AFTER UPDATE OF kind_id, creation_time_ns, name, vm_display_name, vm_uid, reason, total_size,
                  end_time_ns ON sessions
  WHEN (OLD.kind_id, OLD.creation_time_ns >> 46, OLD.name, OLD.vm_display_name, OLD.vm_uid,
        OLD.reason, OLD.total_size, OLD.end_time_ns) IS NOT
       (NEW.kind_id, NEW.creation_time_ns >> 46, NEW.name, NEW.vm_display_name, NEW.vm_uid,
        NEW.reason, NEW.total_size, NEW.end_time_ns)
BEGIN
  INSERT INTO session_blank_changes
    VALUES (OLD.kind_id, OLD.creation_time_ns, OLD.name, OLD.vm_display_name, OLD.vm_uid,
            OLD.reason, OLD.total_size, OLD.end_time_ns, -1);
  INSERT INTO session_blank_changes
    VALUES (NEW.kind_id, NEW.creation_time_ns, NEW.name, NEW.vm_display_name, NEW.vm_uid,
            NEW.reason, NEW.total_size, NEW.end_time_ns, 1);
END;

-- The archive's sessions are counted into the new table here, in one pass over the table; the
-- other tallies, and their triggers, stay. Where a bulk load that stopped early set those
-- triggers aside, the open for writing that runs this migration counts every tally afresh, this
-- one with them (storage/deferred_indexes.cpp). The same count as storage/session_tallies.cpp's.
INSERT INTO session_blank_tallies
  SELECT kind_id, creation_time_ns >> 46, count(*),
         sum(name IS NULL), sum(name IS ''), sum(vm_display_name IS NULL),
         sum(vm_display_name IS ''), sum(vm_uid IS NULL), sum(vm_uid IS ''),
         sum(reason IS NULL), sum(reason IS ''), sum(total_size IS NULL), sum(end_time_ns IS NULL)
  FROM sessions
  WHERE creation_time_ns IS NOT NULL
    AND (coalesce(name, '') = '' OR coalesce(vm_display_name, '') = ''
         OR coalesce(vm_uid, '') = '' OR coalesce(reason, '') = ''
         OR total_size IS NULL OR end_time_ns IS NULL)
  GROUP BY 1, 2;
