-- Schema version 15: only Up Links are shared between records. An Up Link names a parent (a
-- backup server, a job, a job session) that thousands of records carry alike; every other Link
-- names something of its own record (a task session's restore point, a job session's task
-- list, a job's actions). Each of those was still looked up by its hash among all records'
-- Links, and added with an index entry of a random key: over millions of records those reads
-- and writes miss the page cache. A Link other than Up is now a row of its record's own,
-- reused when the record's next revision carries it again (storage/link_values.cpp), with hash
-- 0 and no entry in link_values_hash. Rows written before this version keep their hash and are
-- served the same.
DROP INDEX link_values_hash;
CREATE INDEX link_values_hash ON link_values (hash) WHERE hash <> 0;
