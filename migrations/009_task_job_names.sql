-- Schema version 9: task sessions carry their job session's job name (job_name, NULL while the
-- job session is a stub), kept equal to it by the triggers below. EM's task sessions have no
-- JobName of their own: the query service's JobName on them is their job session's. Held on the
-- task session, JobName=="x" reads the task sessions of job x in creation order from one index
-- range; before, it became "parent in the job sessions named x" and sorted every match in a temp
-- b-tree, after a look-up of each match's representations: 33 ms a page over 1,000,000 task
-- sessions (docs/BENCHMARKS.md), and ten times that at ten million.
--
-- The index ends in result, after the sort key, so that JobName=="x";Result==y counts and pages
-- from the index entries alone. It replaces the one without result.
DROP INDEX sessions_kind_job_name_creation;
UPDATE sessions
  SET job_name = (SELECT p.job_name FROM sessions p WHERE p.record_id = sessions.parent_id)
  WHERE kind_id IN (2, 5) AND parent_id IS NOT NULL;
CREATE INDEX sessions_kind_job_name_creation_result
  ON sessions (kind_id, job_name COLLATE NOCASE, creation_time_ns, result COLLATE NOCASE);
-- Kinds 2 and 5 (BackupTaskSession, ReplicaTaskSession) are the task sessions of 1 and 4
-- (BackupJobSession, ReplicaJobSession); migrations/001_initial.sql.
--
-- A task session stored, or given another parent (or a job name by hand): its parent's name. The
-- parent is usually a stub still (task sessions come before their job session); then there is
-- nothing to copy and the WHEN clause saves the update.
CREATE TRIGGER sessions_task_job_name_insert AFTER INSERT ON sessions
  WHEN NEW.kind_id IN (2, 5) AND NEW.job_name IS NOT
       (SELECT p.job_name FROM sessions p WHERE p.record_id = NEW.parent_id)
BEGIN
  UPDATE sessions
    SET job_name = (SELECT p.job_name FROM sessions p WHERE p.record_id = NEW.parent_id)
    WHERE record_id = NEW.record_id;
END;
CREATE TRIGGER sessions_task_job_name_update AFTER UPDATE OF parent_id, job_name ON sessions
  WHEN NEW.kind_id IN (2, 5) AND NEW.job_name IS NOT
       (SELECT p.job_name FROM sessions p WHERE p.record_id = NEW.parent_id)
BEGIN
  UPDATE sessions
    SET job_name = (SELECT p.job_name FROM sessions p WHERE p.record_id = NEW.parent_id)
    WHERE record_id = NEW.record_id;
END;
-- A job session's name arriving (its stub becomes archived) or changing: its task sessions',
-- found by sessions_parent. A job session is inserted before any task session can name it (a
-- record's typed row exists from its first mention, as a stub), so only updates matter.
CREATE TRIGGER sessions_job_name_to_tasks AFTER UPDATE OF job_name ON sessions
  WHEN NEW.kind_id IN (1, 4) AND NEW.job_name IS NOT OLD.job_name
BEGIN
  UPDATE sessions SET job_name = NEW.job_name
    WHERE parent_id = NEW.record_id AND kind_id IN (2, 5);
END;
ANALYZE sessions_kind_job_name_creation_result;
