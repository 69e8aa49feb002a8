-- Schema version 1: the normalized archive. docs/SCHEMA.md describes every table, column, index
-- and view. Conventions: forms are 0 = reference (EntityRef/Ref), 1 = entity; hrefs are stored
-- without scheme://host:port; timestamps keep EM's original text in <column> and a sortable
-- nanosecond value (UTC, since 1970) in <column>_ns; booleans are 0/1.

-- The EM servers documents came from, by the scheme://host:port of their Hrefs ("" = unknown).
CREATE TABLE sources (
  id            INTEGER PRIMARY KEY,
  origin        TEXT NOT NULL UNIQUE,
  first_seen_at TEXT NOT NULL,
  last_seen_at  TEXT NOT NULL
);

-- One row per command run that wrote to the archive (import, ingest).
CREATE TABLE runs (
  id                INTEGER PRIMARY KEY,
  command           TEXT NOT NULL,
  detail            TEXT NOT NULL,
  started_at        TEXT NOT NULL,
  finished_at       TEXT,
  documents         INTEGER,
  rejected          INTEGER,
  records_new       INTEGER,
  records_updated   INTEGER,
  records_unchanged INTEGER,
  errors            TEXT
);

-- The record kinds, in the order of model/kind.h (id = enum value + 1), with what derives a
-- representation's default Type and Href (see representations.derived).
CREATE TABLE kinds (
  id             INTEGER PRIMARY KEY,
  name           TEXT NOT NULL UNIQUE,
  reference_type TEXT NOT NULL UNIQUE,
  collection     TEXT NOT NULL UNIQUE,
  uid_prefix     TEXT NOT NULL UNIQUE
);
INSERT INTO kinds (id, name, reference_type, collection, uid_prefix) VALUES
  (1, 'BackupJobSession', 'BackupJobSessionReference', 'backupSessions',
   'urn:veeam:BackupJobSession:'),
  (2, 'BackupTaskSession', 'BackupTaskSessionReference', 'backupTaskSessions',
   'urn:veeam:BackupTaskSession:'),
  (3, 'RestoreSession', 'RestoreSessionReference', 'restoreSessions',
   'urn:veeam:RestoreSession:'),
  (4, 'ReplicaJobSession', 'ReplicaJobSessionReference', 'replicaSessions',
   'urn:veeam:ReplicaJobSession:'),
  (5, 'ReplicaTaskSession', 'ReplicaTaskSessionReference', 'replicaTaskSessions',
   'urn:veeam:ReplicaTaskSession:'),
  (6, 'Job', 'JobReference', 'jobs', 'urn:veeam:Job:'),
  (7, 'BackupServer', 'BackupServerReference', 'backupServers', 'urn:veeam:BackupServer:');

-- One row per UID: every archived record, and every record only known because an archived one
-- points to it (a stub: no representations yet). Each has exactly one row in sessions, jobs or
-- backup_servers, by kind.
CREATE TABLE records (
  id        INTEGER PRIMARY KEY,
  kind_id   INTEGER NOT NULL REFERENCES kinds (id),
  uid       TEXT NOT NULL UNIQUE,
  source_id INTEGER REFERENCES sources (id)
);

-- The latest revision of each representation EM served of a record: the root's attributes.
-- Links, unmodeled elements and (entity form) the typed fields hold the rest. Type and Href are
-- nearly always what the kind and UID make them; then they are NULL here and a bit of `derived`
-- says so (1: Type is kinds.name for the entity, kinds.reference_type for the reference; 2: Href
-- is /api/<kinds.collection>/<UID after kinds.uid_prefix>, with ?format=Entity for the entity).
-- NULL without its bit set means the attribute was absent. representations_v shows them whole.
CREATE TABLE representations (
  record_id        INTEGER NOT NULL REFERENCES records (id),
  form             INTEGER NOT NULL CHECK (form IN (0, 1)),
  derived          INTEGER NOT NULL CHECK (derived BETWEEN 0 AND 3),
  type             TEXT,
  href             TEXT,
  name             TEXT,
  vm_display_name  TEXT,
  extra_attributes TEXT,  -- other root attributes as XML attribute text: a="1" b="x&amp;y"
  has_links        INTEGER NOT NULL CHECK (has_links IN (0, 1)),
  revision         INTEGER NOT NULL,
  PRIMARY KEY (record_id, form)
) WITHOUT ROWID;

-- Each distinct child of <Links>, once: the Up links to a backup server or a parent session are
-- the same in thousands of records. A child that is not a plain <Link> is kept whole in raw_xml
-- and the attribute columns are NULL. hash (the first 8 bytes of a SHA-256 of the values, see
-- storage/link_values.cpp) finds a value again. After a record changes, values no link uses any
-- more may remain; they are never served.
CREATE TABLE link_values (
  id               INTEGER PRIMARY KEY,
  hash             INTEGER NOT NULL,
  rel              TEXT,
  type             TEXT,
  href             TEXT,
  name             TEXT,
  extra_attributes TEXT,
  raw_xml          TEXT
);
CREATE INDEX link_values_hash ON link_values (hash);

-- The children of each representation's <Links>, in document order.
CREATE TABLE links (
  record_id     INTEGER NOT NULL,
  form          INTEGER NOT NULL,
  position      INTEGER NOT NULL,
  link_value_id INTEGER NOT NULL REFERENCES link_values (id),
  PRIMARY KEY (record_id, form, position),
  FOREIGN KEY (record_id, form) REFERENCES representations (record_id, form)
) WITHOUT ROWID;

-- Children of the root that emarchive does not model, verbatim, at their index among the root's
-- child elements (<Links> counts).
CREATE TABLE unmodeled (
  record_id INTEGER NOT NULL,
  form      INTEGER NOT NULL,
  position  INTEGER NOT NULL,
  xml       TEXT NOT NULL,
  PRIMARY KEY (record_id, form, position),
  FOREIGN KEY (record_id, form) REFERENCES representations (record_id, form)
) WITHOUT ROWID;

-- Every session kind. Columns named after model/kind.cpp's FieldSpecs hold the entity's fields
-- (NULL = element absent); name, vm_display_name and backup_server_id come from the root and
-- Links. parent_id is the JobSessionUid field of task sessions and the parent an agent management
-- session links Up to.
CREATE TABLE sessions (
  record_id        INTEGER PRIMARY KEY REFERENCES records (id),
  kind_id          INTEGER NOT NULL REFERENCES kinds (id),
  name             TEXT,
  vm_display_name  TEXT,
  backup_server_id INTEGER REFERENCES records (id),
  job_id           INTEGER REFERENCES records (id),
  parent_id        INTEGER REFERENCES records (id),
  job_name         TEXT,
  job_type         TEXT,
  creation_time    TEXT,
  creation_time_ns INTEGER,
  end_time         TEXT,
  end_time_ns      INTEGER,
  state            TEXT,
  result           TEXT,
  reason           TEXT,
  progress         INTEGER,
  total_size       INTEGER,
  failure_message  TEXT,
  is_retry         INTEGER,
  vm_uid           TEXT
);

CREATE TABLE jobs (
  record_id           INTEGER PRIMARY KEY REFERENCES records (id),
  name                TEXT,
  backup_server_id    INTEGER REFERENCES records (id),
  job_type            TEXT,
  platform            TEXT,
  description         TEXT,
  schedule_configured INTEGER,
  schedule_enabled    INTEGER,
  next_run            TEXT,
  next_run_ns         INTEGER
);

CREATE TABLE backup_servers (
  record_id                  INTEGER PRIMARY KEY REFERENCES records (id),
  name                       TEXT,
  description                TEXT,
  port                       INTEGER,
  version                    TEXT,
  wcf_port                   INTEGER,
  vbr_certificate_thumbprint TEXT
);

-- Every revision of every representation. The current one (representations.revision) has
-- document NULL: it is rebuilt from the normalized rows. When superseded, its canonical document
-- (the form rendered with Hrefs without origin, whose SHA-256 is sha256) is kept here.
CREATE TABLE revisions (
  record_id   INTEGER NOT NULL REFERENCES records (id),
  form        INTEGER NOT NULL CHECK (form IN (0, 1)),
  revision    INTEGER NOT NULL,
  observed_at TEXT NOT NULL,
  run_id      INTEGER REFERENCES runs (id),
  source_id   INTEGER REFERENCES sources (id),
  sha256      BLOB NOT NULL,
  document    TEXT,
  PRIMARY KEY (record_id, form, revision)
) WITHOUT ROWID;

-- The query service's filters and sorts (docs/EM-API.md 6.3). Kind leads where a query
-- always names its type; partial indexes skip the rows a column is NULL in. EM compares text
-- case-insensitively, so the query service does (COLLATE NOCASE), and text indexes are NOCASE
-- to serve it; a case-sensitive `=` typed in sqlite3 does not use them.
CREATE INDEX sessions_kind_creation ON sessions (kind_id, creation_time_ns);
CREATE INDEX sessions_kind_end ON sessions (kind_id, end_time_ns);
CREATE INDEX sessions_kind_state ON sessions (kind_id, state COLLATE NOCASE);
CREATE INDEX sessions_kind_result ON sessions (kind_id, result COLLATE NOCASE);
CREATE INDEX sessions_name ON sessions (name COLLATE NOCASE);
CREATE INDEX sessions_vm_display_name ON sessions (vm_display_name COLLATE NOCASE)
  WHERE vm_display_name IS NOT NULL;
CREATE INDEX sessions_backup_server ON sessions (backup_server_id);
CREATE INDEX sessions_job ON sessions (job_id) WHERE job_id IS NOT NULL;
CREATE INDEX sessions_parent ON sessions (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX jobs_name ON jobs (name COLLATE NOCASE);
CREATE INDEX jobs_backup_server ON jobs (backup_server_id);
CREATE INDEX backup_servers_name ON backup_servers (name COLLATE NOCASE);

-- Views for people with sqlite3 (docs/SCHEMA.md has example queries).

CREATE VIEW records_v AS
SELECT r.id, k.name AS kind, r.uid,
       COALESCE(s.name, j.name, b.name) AS name,
       EXISTS (SELECT 1 FROM representations p WHERE p.record_id = r.id) AS archived,
       src.origin
FROM records r
JOIN kinds k ON k.id = r.kind_id
LEFT JOIN sessions s ON s.record_id = r.id
LEFT JOIN jobs j ON j.record_id = r.id
LEFT JOIN backup_servers b ON b.record_id = r.id
LEFT JOIN sources src ON src.id = r.source_id;

CREATE VIEW job_sessions_v AS
SELECT r.uid, k.name AS kind, s.name,
       COALESCE(s.job_name, j.name) AS job_name, ju.uid AS job_uid, s.job_type,
       bs.name AS backup_server, s.creation_time, s.end_time, s.creation_time_ns,
       (s.end_time_ns - s.creation_time_ns) / 1000000000.0 AS duration_s,
       s.state, s.result, s.progress, s.is_retry, s.failure_message,
       pu.uid AS parent_uid
FROM sessions s
JOIN records r ON r.id = s.record_id
JOIN kinds k ON k.id = s.kind_id
LEFT JOIN records ju ON ju.id = s.job_id
LEFT JOIN jobs j ON j.record_id = s.job_id
LEFT JOIN backup_servers bs ON bs.record_id = s.backup_server_id
LEFT JOIN records pu ON pu.id = s.parent_id
WHERE k.name IN ('BackupJobSession', 'ReplicaJobSession');

CREATE VIEW task_sessions_v AS
SELECT r.uid, k.name AS kind, s.name, s.vm_display_name, s.vm_uid,
       p.name AS job_session, pu.uid AS job_session_uid,
       COALESCE(p.job_name, j.name) AS job_name,
       bs.name AS backup_server, s.creation_time, s.end_time, s.creation_time_ns,
       (s.end_time_ns - s.creation_time_ns) / 1000000000.0 AS duration_s,
       s.state, s.result, s.reason, s.total_size
FROM sessions s
JOIN records r ON r.id = s.record_id
JOIN kinds k ON k.id = s.kind_id
LEFT JOIN sessions p ON p.record_id = s.parent_id
LEFT JOIN records pu ON pu.id = s.parent_id
LEFT JOIN jobs j ON j.record_id = p.job_id
LEFT JOIN backup_servers bs ON bs.record_id = s.backup_server_id
WHERE k.name IN ('BackupTaskSession', 'ReplicaTaskSession');

CREATE VIEW restore_sessions_v AS
SELECT r.uid, s.name, s.vm_display_name, s.job_type, bs.name AS backup_server,
       s.creation_time, s.end_time, s.state, s.result, s.progress
FROM sessions s
JOIN records r ON r.id = s.record_id
JOIN kinds k ON k.id = s.kind_id
LEFT JOIN backup_servers bs ON bs.record_id = s.backup_server_id
WHERE k.name = 'RestoreSession';

CREATE VIEW representations_v AS
SELECT r.uid, CASE p.form WHEN 0 THEN 'reference' ELSE 'entity' END AS form,
       CASE WHEN (p.derived & 1) = 0 THEN p.type
            WHEN p.form = 0 THEN k.reference_type ELSE k.name END AS type,
       CASE WHEN (p.derived & 2) = 0 THEN p.href
            ELSE '/api/' || k.collection || '/' || substr(r.uid, length(k.uid_prefix) + 1) ||
                 CASE p.form WHEN 0 THEN '' ELSE '?format=Entity' END END AS href,
       p.name, p.vm_display_name, p.extra_attributes, p.has_links, p.revision
FROM representations p
JOIN records r ON r.id = p.record_id
JOIN kinds k ON k.id = r.kind_id;

CREATE VIEW links_v AS
SELECT r.uid, CASE l.form WHEN 0 THEN 'reference' ELSE 'entity' END AS form, l.position,
       v.rel, v.type, v.href, v.name, v.extra_attributes, v.raw_xml
FROM links l
JOIN link_values v ON v.id = l.link_value_id
JOIN records r ON r.id = l.record_id;

CREATE VIEW revisions_v AS
SELECT r.uid, CASE v.form WHEN 0 THEN 'reference' ELSE 'entity' END AS form, v.revision,
       v.revision = p.revision AS current, v.observed_at, v.run_id, ru.command,
       src.origin, lower(hex(v.sha256)) AS sha256, v.document
FROM revisions v
JOIN records r ON r.id = v.record_id
JOIN representations p ON p.record_id = v.record_id AND p.form = v.form
LEFT JOIN runs ru ON ru.id = v.run_id
LEFT JOIN sources src ON src.id = v.source_id;
