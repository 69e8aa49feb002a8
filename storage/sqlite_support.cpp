#include "storage/sqlite_support.h"

#include <sqlite3.h>
#include <pugixml.hpp>

#include <variant>

#include "model/xml_escape.h"

namespace emarchive::storage {

ErrorCode error_code_of(const std::exception& e) {
  if (const auto* failure = dynamic_cast<const ArchiveFailure*>(&e)) return failure->code();
  const auto* sqlite = dynamic_cast<const SQLite::Exception*>(&e);
  if (!sqlite) return ErrorCode::internal;
  // The primary code: extended codes (SQLITE_IOERR_WRITE, SQLITE_BUSY_SNAPSHOT) keep it in the
  // low byte.
  switch (sqlite->getErrorCode() & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return ErrorCode::busy;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return ErrorCode::corrupt;
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_NOLFS:
      return ErrorCode::io;
    default:
      return ErrorCode::internal;
  }
}

Error sqlite_error(std::string_view path, std::string_view what, const std::exception& e) {
  std::string message = std::string(path) + ": " + std::string(what) + ": " + e.what();
  // A writer's WAL grows to about 256 MB before it is copied into the database
  // (wal_autocheckpoint in sqlite_open.cpp), and the database grows by what is written. A write
  // refused for a file size limit or quota (EFBIG, EDQUOT) comes as a write error, not as full.
  const std::string room =
      "free at least 256 MB plus the size of what is being written on the "
      "disk that holds " +
      std::string(path) + ", then run again";
  if (const auto* sqlite = dynamic_cast<const SQLite::Exception*>(&e)) {
    if ((sqlite->getErrorCode() & 0xff) == SQLITE_FULL) {
      message += " (the disk is full: " + room + ")";
    } else if (sqlite->getExtendedErrorCode() == SQLITE_IOERR_WRITE) {
      message += " (if the disk or a quota is full: " + room + ")";
    }
  }
  return Error{std::move(message), error_code_of(e)};
}

void bind_text(SQLite::Statement& statement, int index, const std::optional<std::string>& value) {
  if (value) {
    statement.bind(index, *value);
  } else {
    statement.bind(index);
  }
}

void bind_id(SQLite::Statement& statement, int index, std::optional<std::int64_t> value) {
  if (value) {
    statement.bind(index, *value);
  } else {
    statement.bind(index);
  }
}

void bind_all(SQLite::Statement& statement, const std::vector<SqlValue>& values) {
  int index = 1;
  for (const SqlValue& value : values) {
    std::visit([&](const auto& v) { statement.bind(index++, v); }, value);
  }
}

std::optional<std::string> text_column(const SQLite::Column& column) {
  if (column.isNull()) return std::nullopt;
  return column.getString();
}

std::vector<std::string> column_strings(SQLite::Statement& statement) {
  std::vector<std::string> values;
  while (statement.executeStep()) values.push_back(statement.getColumn(0).getString());
  return values;
}

std::optional<std::string> encode_attributes(const std::vector<Attribute>& attributes) {
  if (attributes.empty()) return std::nullopt;
  std::string out;
  for (const Attribute& attribute : attributes) {
    if (!out.empty()) out += ' ';
    out += attribute.name;
    out += "=\"";
    // Whitespace characters are escaped too, as attribute value normalization would otherwise
    // turn them into spaces.
    xml::append_escaped_attribute(out, attribute.value);
    out += '"';
  }
  return out;
}

std::vector<Attribute> decode_attributes(const SQLite::Column& column) {
  std::vector<Attribute> attributes;
  if (column.isNull()) return attributes;
  const std::string xml = "<a " + column.getString() + "/>";
  pugi::xml_document document;
  if (!document.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8)) {
    throw ArchiveFailure(
        ErrorCode::corrupt,
        "stored extra attributes are not valid XML attribute text: " + column.getString());
  }
  for (const pugi::xml_attribute& attribute : document.first_child().attributes()) {
    attributes.push_back({attribute.name(), attribute.value()});
  }
  return attributes;
}

std::string default_type(Kind kind, Form form) {
  return std::string(form == Form::Entity ? info(kind).name : info(kind).reference_type);
}

}  // namespace emarchive::storage
