-- Schema version 11: the per-VM indexes end in result, after the sort key, as the per-job one
-- does (migrations/009_task_job_names.sql), so that VmDisplayName=="x";Result==y (and by VmUid)
-- counts and pages from the index entries alone. Before, each of the VM's sessions cost a read
-- of its table row to test its Result: 27 ms a page and count for a VM of 6,000 task sessions
-- among 10,000,000 (docs/BENCHMARKS.md). Each replaces the index it extends, which it serves as
-- well.
DROP INDEX sessions_kind_vm_creation;
CREATE INDEX sessions_kind_vm_creation_result
  ON sessions (kind_id, vm_display_name COLLATE NOCASE, creation_time_ns, result COLLATE NOCASE);
DROP INDEX sessions_kind_vm_uid_creation;
CREATE INDEX sessions_kind_vm_uid_creation_result
  ON sessions (kind_id, vm_uid COLLATE NOCASE, creation_time_ns, result COLLATE NOCASE);
ANALYZE sessions_kind_vm_creation_result;
ANALYZE sessions_kind_vm_uid_creation_result;
