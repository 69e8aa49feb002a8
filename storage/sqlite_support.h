#pragma once
// Internal to storage/'s SQLite backend: what its reader, writer and Archive share. Statements
// are prepared once per connection and reused through Use, every read of more than one statement
// runs in a ReadTransaction, and every exception becomes an Error (with the ErrorCode of SQLite's
// result code) at the Archive's edge through sqlite_error().

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "model/expected.h"
#include "model/kind.h"
#include "model/record.h"
#include "storage/record_query.h"

namespace emarchive::storage {

// The ids of migrations/001_initial.sql's kinds and the 0/1 of the form columns.
inline int kind_id(Kind kind) {
  return static_cast<int>(kind) + 1;
}
inline Kind kind_from_id(int id) {
  return static_cast<Kind>(id - 1);
}
inline int form_id(Form form) {
  return form == Form::Reference ? 0 : 1;
}

// A record that breaks what storing relies on and parse_document guarantees (invalid_input: a
// field whose text would not read back unchanged, a record without any form or with a UID of
// another kind), or stored rows that cannot be read back (corrupt). Thrown inside a transaction,
// which then rolls back, and turned into an Error at the Archive's edge like SQLite's own
// exceptions.
class ArchiveFailure : public std::runtime_error {
 public:
  ArchiveFailure(ErrorCode code, const std::string& what) : std::runtime_error(what), code_(code) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

// The ErrorCode of an exception from SQLiteCpp or storage/: SQLITE_BUSY and SQLITE_LOCKED are
// busy, SQLITE_CORRUPT and SQLITE_NOTADB corrupt, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN,
// SQLITE_READONLY, SQLITE_PERM and SQLITE_NOLFS io; an ArchiveFailure its own code; anything else
// internal.
ErrorCode error_code_of(const std::exception& e);

// "<path>: <what>: <e.what()>" with error_code_of(e).
Error sqlite_error(std::string_view path, std::string_view what, const std::exception& e);

// Sets a pragma of the connection for the life of the object, then puts back what it was.
class PragmaWhile {
 public:
  PragmaWhile(SQLite::Database& db, const std::string& name, const std::string& value)
      : db_(db), name_(name), previous_(db.execAndGet("PRAGMA " + name).getString()) {
    db_.exec("PRAGMA " + name_ + " = " + value);
  }
  ~PragmaWhile() { db_.tryExec("PRAGMA " + name_ + " = " + previous_); }
  PragmaWhile(const PragmaWhile&) = delete;
  PragmaWhile& operator=(const PragmaWhile&) = delete;

 private:
  SQLite::Database& db_;
  std::string name_;
  std::string previous_;
};

// Resets a reused statement when leaving scope: a statement left mid-result would keep a read
// snapshot open and hold back WAL checkpoints (and other writers' view) after the call returns.
class Use {
 public:
  explicit Use(SQLite::Statement& statement) : statement_(statement) {}
  ~Use() { statement_.tryReset(); }
  Use(const Use&) = delete;
  Use& operator=(const Use&) = delete;
  SQLite::Statement& operator*() { return statement_; }
  SQLite::Statement* operator->() { return &statement_; }

 private:
  SQLite::Statement& statement_;
};

// A read transaction through statements prepared once. SQLite::Transaction runs BEGIN and COMMIT
// through sqlite3_exec, which parses them again on every call: 7% of `emarchive serve`'s CPU time
// for a single-record GET. Rolls back unless committed, as SQLite::Transaction does.
class ReadTransaction {
 public:
  struct Statements {
    explicit Statements(SQLite::Database& db)
        : begin(db, "BEGIN DEFERRED"), commit(db, "COMMIT"), rollback(db, "ROLLBACK") {}
    SQLite::Statement begin;
    SQLite::Statement commit;
    SQLite::Statement rollback;
  };

  explicit ReadTransaction(Statements& statements) : statements_(statements) {
    run(statements_.begin);
  }
  ~ReadTransaction() {
    if (!done_) Use(statements_.rollback)->tryExecuteStep();
  }
  ReadTransaction(const ReadTransaction&) = delete;
  ReadTransaction& operator=(const ReadTransaction&) = delete;

  void commit() {
    run(statements_.commit);
    done_ = true;
  }

 private:
  static void run(SQLite::Statement& statement) { Use(statement)->exec(); }

  Statements& statements_;
  bool done_ = false;
};

// Binds NULL for nullopt.
void bind_text(SQLite::Statement& statement, int index, const std::optional<std::string>& value);
void bind_id(SQLite::Statement& statement, int index, std::optional<std::int64_t> value);
// Binds `values` to parameters 1, 2, ...
void bind_all(SQLite::Statement& statement, const std::vector<SqlValue>& values);

// nullopt for NULL.
std::optional<std::string> text_column(const SQLite::Column& column);
// The first column of every row `statement` still yields.
std::vector<std::string> column_strings(SQLite::Statement& statement);

// Extra attributes are stored as XML attribute text (a="1" b="x&amp;y"): readable in sqlite3,
// and read back by pugixml. nullopt (NULL) for none.
std::optional<std::string> encode_attributes(const std::vector<Attribute>& attributes);
// Throws ArchiveFailure (corrupt) for text that is not XML attribute text.
std::vector<Attribute> decode_attributes(const SQLite::Column& column);

// The Type and Href a representation of this record has unless EM wrote something else; stored
// as a bit of representations.derived instead of the text (migrations/001_initial.sql).
constexpr int kDerivedType = 1;
constexpr int kDerivedHref = 2;
std::string default_type(Kind kind, Form form);

// link_values.derived (migrations/007_derived_links.sql): 0 for a Link stored whole, else which
// of the record's own Hrefs the Link has, with the Name of the representation that has it.
constexpr int derived_link_value(Form form) {
  return form == Form::Entity ? 2 : 1;
}
constexpr Form derived_link_form(int derived) {
  return derived == 2 ? Form::Entity : Form::Reference;
}

}  // namespace emarchive::storage
