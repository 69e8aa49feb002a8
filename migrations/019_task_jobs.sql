-- Schema version 19: task sessions carry their job session's job (job_id), as migration 9 has
-- them carry its job name. EM's task sessions have no JobUid of their own: the query service's
-- JobUid on them is their job session's, which JobUid=="x" found as "parent among the job
-- sessions of job x" and then sorted every match: 65 ms for the first page of a job's 120,000 task
-- sessions among 10,000,000 (docs/BENCHMARKS-10M.md). Held on the task session, it is one range
-- of an index in creation order, and JobUid=="x";Result==y one range of
-- sessions_kind_job_result_creation (migration 6), which held task sessions under a NULL job.
--
-- The triggers of migration 9 become these, which keep both columns equal to the job session's.
DROP TRIGGER sessions_task_job_name_insert;
DROP TRIGGER sessions_task_job_name_update;
DROP TRIGGER sessions_job_name_to_tasks;
-- The indexes of job_id are dropped before the update and built after it, rather than updated
-- entry by entry: 8.1 and 9.9 s against 9.5 and 11.7 s over a million task sessions. Every task
-- session takes its job session's job, NULL without one, as the triggers below give it (before,
-- one without a parent kept any job its own Links named).
DROP INDEX sessions_job_creation;
DROP INDEX sessions_kind_job_result_creation;
UPDATE sessions
  SET job_id = (SELECT p.job_id FROM sessions p WHERE p.record_id = sessions.parent_id)
  WHERE kind_id IN (2, 5);
CREATE INDEX sessions_kind_job_result_creation
  ON sessions (kind_id, job_id, result COLLATE NOCASE, creation_time_ns);
-- A job's sessions of one kind in creation order. It replaces sessions_job_creation (job_id,
-- creation_time_ns, kind_id) of migration 14, which the task sessions would now fill with a
-- hundred entries for each job session among them: the dashboard's readers of a job's latest
-- runs take each kind of job session in its own range and merge them (storage/archive_status.cpp).
CREATE INDEX sessions_job_kind_creation
  ON sessions (job_id, kind_id, creation_time_ns) WHERE job_id IS NOT NULL;
-- Kinds 2 and 5 (BackupTaskSession, ReplicaTaskSession) are the task sessions of 1 and 4
-- (BackupJobSession, ReplicaJobSession); migrations/001_initial.sql.
--
-- A task session stored, or given another parent (or a job by hand): its parent's name and job.
-- The parent is usually a stub still (task sessions come before their job session); then there
-- is nothing to copy and the WHEN clause saves the update.
CREATE TRIGGER sessions_task_job_insert AFTER INSERT ON sessions
  WHEN NEW.kind_id IN (2, 5) AND (NEW.job_name, NEW.job_id) IS NOT
       (SELECT p.job_name, p.job_id FROM sessions p WHERE p.record_id = NEW.parent_id)
BEGIN
  UPDATE sessions
    SET (job_name, job_id) =
        (SELECT p.job_name, p.job_id FROM sessions p WHERE p.record_id = NEW.parent_id)
    WHERE record_id = NEW.record_id;
END;
CREATE TRIGGER sessions_task_job_update AFTER UPDATE OF parent_id, job_name, job_id ON sessions
  WHEN NEW.kind_id IN (2, 5) AND (NEW.job_name, NEW.job_id) IS NOT
       (SELECT p.job_name, p.job_id FROM sessions p WHERE p.record_id = NEW.parent_id)
BEGIN
  UPDATE sessions
    SET (job_name, job_id) =
        (SELECT p.job_name, p.job_id FROM sessions p WHERE p.record_id = NEW.parent_id)
    WHERE record_id = NEW.record_id;
END;
-- A job session's name or job arriving (its stub becomes archived) or changing: its task
-- sessions', found by sessions_parent. A job session is inserted before any task session can name
-- it (a record's typed row exists from its first mention, as a stub), so only updates matter.
CREATE TRIGGER sessions_job_to_tasks AFTER UPDATE OF job_name, job_id ON sessions
  WHEN NEW.kind_id IN (1, 4) AND (NEW.job_name, NEW.job_id) IS NOT (OLD.job_name, OLD.job_id)
BEGIN
  UPDATE sessions SET job_name = NEW.job_name, job_id = NEW.job_id
    WHERE parent_id = NEW.record_id AND kind_id IN (2, 5);
END;
-- The view of task sessions names their job too; the job and its name are the task session's own
-- columns now, where it read them from its job session.
DROP VIEW task_sessions_v;
CREATE VIEW task_sessions_v AS
SELECT r.uid, k.name AS kind, s.name, s.vm_display_name, s.vm_uid,
       p.name AS job_session, pu.uid AS job_session_uid,
       COALESCE(s.job_name, j.name) AS job_name,
       bs.name AS backup_server, s.creation_time, s.end_time, s.creation_time_ns,
       (s.end_time_ns - s.creation_time_ns) / 1000000000.0 AS duration_s,
       s.state, s.result, s.reason, s.total_size, ju.uid AS job_uid
FROM sessions s
JOIN records r ON r.id = s.record_id
JOIN kinds k ON k.id = s.kind_id
LEFT JOIN sessions p ON p.record_id = s.parent_id
LEFT JOIN records pu ON pu.id = s.parent_id
LEFT JOIN records ju ON ju.id = s.job_id
LEFT JOIN jobs j ON j.record_id = s.job_id
LEFT JOIN backup_servers bs ON bs.record_id = s.backup_server_id
WHERE k.name IN ('BackupTaskSession', 'ReplicaTaskSession');
-- The task sessions of each job are now a range of their own in both indexes of jobs, where they
-- were one range of NULL: statistics of before would send the planner elsewhere.
ANALYZE sessions_job_kind_creation;
ANALYZE sessions_kind_job_result_creation;
