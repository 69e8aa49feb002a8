-- Schema version 16: each chain entry says how many records it archived for the first time.
-- The head that `attest`, `import` and `ingest` print after each run carries the archive's
-- record and revision counts; counting every record and revision took 38 s over 10,000,000
-- task sessions (in sqlite3), after every run of an ingest that may have stored a handful. They are now the
-- sums of `records` and `revisions` over the chain, kept in the transaction that writes each
-- entry (storage/chain.cpp), and `verify` checks them against a count. Filled here for the
-- entries written before: a record was first archived in the entry of its earliest revision.
ALTER TABLE chain ADD COLUMN records INTEGER NOT NULL DEFAULT 0;
UPDATE chain SET records = first.n
FROM (SELECT entry, count(*) AS n
      FROM (SELECT min(chain_entry) AS entry FROM revisions GROUP BY record_id)
      GROUP BY entry) AS first
WHERE chain.id = first.entry;
