-- Schema version 4: the resources monitoring tools read besides sessions, jobs and backup servers
-- (the summary reports, repositories, discovered computers, agent and file-share jobs), kept as
-- observations: each answer EM gave, whole, with a new revision only when it changed.
-- docs/SCHEMA.md describes the tables and how to chart them.

-- One row per revision of one resource from one source. `document` is EM's answer in canonical
-- form (storage/observation_document.h: Hrefs without scheme://host:port, comments and the XML
-- declaration dropped, whitespace between elements dropped); sha256 is its digest. A run that
-- gets the same answer again only moves last_observed_at.
CREATE TABLE observations (
  id                INTEGER PRIMARY KEY,
  resource          TEXT NOT NULL,     -- what EM was asked: '/api/reports/summary/overview'
  source_id         INTEGER NOT NULL REFERENCES sources (id),
  revision          INTEGER NOT NULL,  -- 1, 2, ... per resource and source
  observed_at       TEXT NOT NULL,     -- when EM first gave this answer (xs:dateTime, UTC)
  observed_ns       INTEGER NOT NULL,  -- the same, in ns since 1970, for ordering
  last_observed_at  TEXT NOT NULL,     -- when EM last gave it
  last_observed_ns  INTEGER NOT NULL,
  run_id            INTEGER REFERENCES runs (id),
  sha256            BLOB NOT NULL,
  document          TEXT NOT NULL,
  UNIQUE (resource, source_id, revision)
);
CREATE INDEX observations_latest ON observations (resource, last_observed_ns);

-- The counters of the summary reports (every child of a *ReportFrame whose text is an integer),
-- one row per counter and revision: a counter a newer EM adds is kept without a migration.
CREATE TABLE observed_counters (
  observation_id INTEGER NOT NULL REFERENCES observations (id),
  name           TEXT NOT NULL,    -- 'FailedVmLastestStates', as EM spells it
  value          INTEGER NOT NULL,
  PRIMARY KEY (observation_id, name)
) WITHOUT ROWID;

-- Repository space, one row per repository and revision: from the repository report's Periods
-- (name, capacity, free space, backup size) and from the entity list of /api/repositories
-- (UID, name, capacity, free space, kind). Sizes are bytes; EM's -1 (cannot tell) is NULL.
CREATE TABLE observed_repositories (
  observation_id INTEGER NOT NULL REFERENCES observations (id),
  position       INTEGER NOT NULL,  -- order in the document, from 0
  uid            TEXT,              -- NULL in the report, which names repositories only
  name           TEXT NOT NULL,
  capacity       INTEGER,
  free_space     INTEGER,
  backup_size    INTEGER,           -- the report only
  kind           TEXT,              -- the entity list only: 'WindowsLocal', ...
  PRIMARY KEY (observation_id, position)
) WITHOUT ROWID;
CREATE INDEX observed_repositories_name ON observed_repositories (name);
