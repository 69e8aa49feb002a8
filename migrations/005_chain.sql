-- Schema version 5: a tamper-evident chain over every revision (docs/AUDIT.md defines the digest
-- byte for byte). Each transaction that writes revisions appends one entry committing to the
-- entry before it and to the revisions it wrote, so that the newest entry's digest (the head,
-- `emarchive attest`) commits to the whole history. Observations, runs, bookmarks and gone marks
-- are not chained.

-- One row per entry, numbered 1, 2, ... without gaps. Entry 1 is the genesis: it covers every
-- revision archived before this migration (none in a new archive) and its digest is computed
-- when the archive is next opened for writing, right after this migration (SQL has no SHA-256).
CREATE TABLE chain (
  id         INTEGER PRIMARY KEY,
  run_id     INTEGER REFERENCES runs (id),  -- the run that wrote the entry; NULL for the genesis
  created_at TEXT NOT NULL,     -- xs:dateTime: the revisions' observed_at; the genesis: migration
  revisions  INTEGER NOT NULL,  -- how many revisions the entry covers
  digest     BLOB,              -- SHA-256, 32 bytes
  note       TEXT               -- why the entry exists, for the genesis
);

-- The entry each revision is chained in.
ALTER TABLE revisions ADD COLUMN chain_entry INTEGER;
UPDATE revisions SET chain_entry = 1;
INSERT INTO chain (id, run_id, created_at, revisions, digest, note)
VALUES (1, NULL, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), (SELECT count(*) FROM revisions), NULL,
        'genesis: the chain starts from the archive as it was when migrated to schema version 5');
-- Entries are appended in increasing order, so each write adds at the index's right edge;
-- `verify` reads the revisions entry by entry through it.
CREATE INDEX revisions_chain ON revisions (chain_entry);
