#pragma once
// The reference form (EntityRef / Ref) of a record whose entity form was archived but whose
// reference was never seen, derived by the rules EM's own pairs show (docs/EM-API.md 4-5):
//
// - root: Type "<Kind>Reference", Href = the entity's Href without "format=Entity", Name and
//   UID as on the entity; no fields, no VmDisplayName;
// - Links, in the entity's order: "Up" links kept; the entity's "Alternate <Kind>Reference"
//   becomes "Alternate <Kind>" pointing at the entity's own Href; "Down" links to reference
//   lists kept (sessions, jobs); actions (Stop, Edit, Start...), "Related" restore points and
//   Down links to non-reference lists (a job's ObjectInJobList) dropped, as EM's references
//   carry none of them. An entity without an Alternate link gets one after its Up links.

#include "model/record.h"

namespace emarchive {

// Precondition: record.entity is set.
Representation derive_reference(const Record& record);

// record.reference if archived, else the derived one. Precondition: one of them is set.
Representation reference_of(const Record& record);

}  // namespace emarchive
