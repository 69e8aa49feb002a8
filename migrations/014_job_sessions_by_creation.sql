-- Schema version 14: a job's sessions in creation order. The dashboard reads each job's latest
-- runs newest first (storage/archive_status.cpp, storage/archive_history.cpp), and
-- /jobs/{id}/backupSessions lists them oldest first. With sessions_job (job_id) alone, each
-- read the table row of every session of the job and sorted them: over 78,000 job sessions of
-- 83 jobs, 154 ms for the latest run of every job, most of each dashboard page; with the
-- creation time in the entries, under 1 ms. The kind comes last, so that both readers, which
-- take the kinds of job sessions, test it in the entry; ties in creation time are sorted by
-- record id among themselves. It replaces sessions_job, which it serves as well.
DROP INDEX sessions_job;
CREATE INDEX sessions_job_creation
  ON sessions (job_id, creation_time_ns, kind_id) WHERE job_id IS NOT NULL;
ANALYZE sessions_job_creation;
