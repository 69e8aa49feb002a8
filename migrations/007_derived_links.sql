-- Schema version 7: a record's Links to itself derived instead of stored. Nearly every
-- representation has one (an entity's Alternate Link to its reference, a reference's Alternate
-- Link to its entity), whose Href is the record's own and whose Name is the record's Name: one
-- row of link_values per record, with its hash index entry and two statements to find and add
-- it, for text the record already says. Such a Link now points to one row shared by every Link
-- with the same Rel and Type, whose `derived` says where Href and Name come from (docs/SCHEMA.md):
--   0: stored in href and name, as before;
--   1: Href is the record's reference Href (/api/<collection>/<UID after the kind's prefix>),
--      Name the Name of the representation that has the Link; href and name are NULL;
--   2: as 1 with the entity Href (?format=Entity).
-- Rows written before this version stay as they are (derived 0) and are served the same.
ALTER TABLE link_values ADD COLUMN derived INTEGER NOT NULL DEFAULT 0;
CREATE INDEX link_values_derived ON link_values (rel, type, derived) WHERE derived <> 0;

DROP VIEW links_v;
CREATE VIEW links_v AS
SELECT r.uid, CASE l.form WHEN 0 THEN 'reference' ELSE 'entity' END AS form, l.position,
       v.rel, v.type,
       CASE v.derived WHEN 0 THEN v.href
            ELSE '/api/' || k.collection || '/' || substr(r.uid, length(k.uid_prefix) + 1) ||
                 CASE v.derived WHEN 2 THEN '?format=Entity' ELSE '' END END AS href,
       CASE v.derived WHEN 0 THEN v.name ELSE p.name END AS name,
       v.extra_attributes, v.raw_xml
FROM links l
JOIN link_values v ON v.id = l.link_value_id
JOIN records r ON r.id = l.record_id
JOIN kinds k ON k.id = r.kind_id
JOIN representations p ON p.record_id = l.record_id AND p.form = l.form;
