#pragma once
// Hrefs are archived without their scheme, host and port: those name the server a client talked
// to, which changes (EM's address, emarchive's own), while path and query stay as EM wrote them.

#include <string>
#include <string_view>

#include "model/record.h"

namespace emarchive {

struct SplitHref {
  std::string origin;  // "https://em.example:9398", or "" when the Href has no scheme://authority
  std::string rest;    // "/api/backupSessions/<guid>?format=Entity": everything after the origin
};

SplitHref split_href(std::string_view href);

// The inverse: origin + rest when rest starts with '/', rest unchanged otherwise.
std::string join_href(std::string_view origin, std::string_view rest);

// The last path segment of an Href or its rest, before any query: the record's GUID for
// ".../backupSessions/<guid>?format=Entity". Empty when there is none.
std::string_view href_id(std::string_view href);

// The Href, without origin, that EM gives the record with this UID in this form:
// "/api/backupSessions/<guid>", and "?format=Entity" after it for the entity form. `uid` must
// start with its kind's prefix.
std::string default_href(Kind kind, std::string_view uid, Form form);

}  // namespace emarchive
