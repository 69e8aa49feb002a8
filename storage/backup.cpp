#include "storage/backup.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "storage/sqlite_support.h"

namespace emarchive::storage {
namespace {

constexpr int kBusyTimeoutMs = 5000;

}  // namespace

Expected<BackupResult> backup_archive(const std::string& from, const std::string& to) {
  if (!std::filesystem::exists(from)) {
    return Error{from + ": no such archive", ErrorCode::not_found};
  }
  // O_EXCL: never overwrite a file, an older backup least of all. VACUUM INTO writes into an
  // empty file, which keeps the owner-only mode given here whatever the umask.
  const int fd = ::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, S_IRUSR | S_IWUSR);
  if (fd < 0) {
    return Error{to + ": cannot create the copy: " + std::strerror(errno), ErrorCode::io};
  }
  ::fchmod(fd, S_IRUSR | S_IWUSR);
  ::close(fd);

  BackupResult result;
  // A failure names the copy first: a full disk is the copy's disk.
  std::string step = "copying " + from + " into it";
  try {
    {
      SQLite::Database source(from, SQLite::OPEN_READONLY, kBusyTimeoutMs);
      result.schema_version = source.execAndGet("PRAGMA user_version").getInt();
      SQLite::Statement vacuum(source, "VACUUM INTO ?");
      vacuum.bind(1, to);
      vacuum.exec();
    }
    step = "checking the copy";
    SQLite::Database copy(to, SQLite::OPEN_READONLY);
    const std::string integrity = copy.execAndGet("PRAGMA integrity_check").getString();
    if (integrity != "ok") {
      throw ArchiveFailure(ErrorCode::corrupt, "the integrity check says: " + integrity);
    }
    const int version = copy.execAndGet("PRAGMA user_version").getInt();
    if (version != result.schema_version) {
      throw ArchiveFailure(ErrorCode::corrupt, "schema version " + std::to_string(version) +
                                                   " instead of the source's " +
                                                   std::to_string(result.schema_version));
    }
    result.records = copy.execAndGet("SELECT count(*) FROM records").getInt64();
  } catch (const std::exception& e) {
    std::error_code ignored;
    std::filesystem::remove(to, ignored);
    return sqlite_error(to, step, e);
  }
  result.bytes = static_cast<std::int64_t>(std::filesystem::file_size(to));
  return result;
}

}  // namespace emarchive::storage
