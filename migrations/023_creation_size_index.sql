-- Schema version 23: the creation index holds each session's TotalSize. A page of a TotalSize
-- range in creation order walks sessions_kind_creation and tests each session's size
-- (storage/size_range.h); with the size in the index entry, the test reads no table row. The
-- newest 100 of the largest hundredth of ten million task sessions read 10,000 rows for their
-- sizes, 12.3 ms a first page, and take 4.0 ms from the index alone (docs/BENCHMARKS.md). Ties in
-- creation time are still sorted by record id among themselves, as every page is.
DROP INDEX sessions_kind_creation;
CREATE INDEX sessions_kind_creation ON sessions (kind_id, creation_time_ns, total_size);
ANALYZE sessions_kind_creation;
