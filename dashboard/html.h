#pragma once
// Writing the dashboard's HTML by hand: escaping, links, and how times, durations and sizes read.
// Every text that comes from the archive or the request goes through escape(); the pages write
// only double-quoted attributes.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/em_time.h"

namespace emarchive::dashboard {

// `text` for element content or a double-quoted attribute value: & < > " as entities.
std::string escape(std::string_view text);

// A query string value percent-encoded (RFC 3986 unreserved characters kept).
std::string url_encode(std::string_view value);

// "path?name=value&..." with the values percent-encoded and the whole escaped for an attribute.
std::string link(std::string_view path,
                 const std::vector<std::pair<std::string_view, std::string>>& query = {});

// The Href of the entity form of the record with this UID ("/api/backupSessions/<guid>?format=
// Entity"), escaped for an attribute; "" for a UID of no known kind.
std::string em_document_link(std::string_view uid);

// "2026-03-01 22:05" (UTC), "2026-03-01", "22:05".
std::string format_minute(EmTime time);
std::string format_day(EmTime time);

// "45 s", "12 min", "3 h 05 min", "2 d 4 h".
std::string format_duration(EmTime duration);

// "512 B", "1.5 KB", "20.3 GB" (powers of 1024, as Veeam's consoles show them).
std::string format_bytes(std::int64_t bytes);

// A CSS class for EM's Result: "success", "warning", "failed", or "other" (None, running).
std::string_view result_class(std::string_view result);

// The page around `body`: the title, the stylesheet, the navigation; `title` is escaped here.
std::string page(std::string_view title, std::string_view body, EmTime now);

}  // namespace emarchive::dashboard
