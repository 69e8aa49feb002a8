-- Schema version 8: the friendly name of each EM source, from `emarchive ingest --config` (or the
-- host, for `ingest --url`). One EM reached by two spellings of its URL (a host name and its
-- address, a new DNS alias) has two origins; giving both the same name makes them one source for
-- ingest: they share their bookmarks, unfinished sessions and stubs (docs/SCHEMA.md, "sources").
-- NULL: never named (archived by import, or before this version).
ALTER TABLE sources ADD COLUMN name TEXT;
CREATE INDEX sources_by_name ON sources (name) WHERE name IS NOT NULL;
