#include "ingest/importer.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "ingest/bounded_queue.h"
#include "ingest/parsed_records.h"
#include "model/codec.h"

namespace emarchive::ingest {
namespace {

namespace fs = std::filesystem;

// What the reading thread found, in input order, for the storing thread to act on.
struct Step {
  enum class What {
    Document,  // a parsed document to store
    Rejected,  // a document that could not be read or parsed: `message` says why
    Skipped,   // something met in a directory that is not a file: `message` is the log line
  };
  What what = What::Document;
  std::string message;
  std::string name;       // Document: the file's path
  ParsedRecords records;  // Document: its records
};

// Parsed documents waiting to be stored. One lets the reader parse the next document while the
// writer stores one; as the reader starts a document only when the queue has room for it, two
// documents are in memory at most (the one stored, and the next: waiting, or being parsed).
// Each more added 4 to 7 MB to the peak RSS of an import of QueryResult pages of 1,000 task
// sessions, against a bound of 64 MB (docs/BENCHMARKS.md).
constexpr std::size_t kDocumentsAhead = 1;

// The reading thread: walks the paths, reads and parses each file, and queues what it found.
class Reader {
 public:
  Reader(BoundedQueue<Step>& queue, const ReaderHashing& hashing)
      : queue_(queue), hashing_(hashing) {}

  // Returns false when the queue was closed: the writer stopped.
  bool read_path(const fs::path& path) {
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (ec || !fs::exists(status)) {
      return reject(path.string() + ": " + (ec ? ec.message() : "no such file or directory"));
    }
    if (fs::is_directory(status)) return read_directory(path);
    if (!fs::is_regular_file(status)) return reject(path.string() + ": " + not_regular(status));
    return read_file(path);
  }

 private:
  bool read_directory(const fs::path& dir) {
    // Sorted per directory so that runs are reproducible; only one directory's names are held.
    std::vector<fs::directory_entry> entries;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      entries.push_back(*it);
    }
    if (ec) return reject(dir.string() + ": cannot list directory: " + ec.message());
    std::sort(entries.begin(), entries.end(),
              [](const auto& a, const auto& b) { return a.path() < b.path(); });
    for (const fs::directory_entry& entry : entries) {
      std::error_code kind_ec;
      if (entry.is_directory(kind_ec) && !entry.is_symlink(kind_ec)) {
        if (!read_directory(entry.path())) return false;
      } else if (entry.path().extension() == ".xml") {
        const fs::file_status status = entry.status(kind_ec);
        if (fs::is_regular_file(status)) {
          if (!read_file(entry.path())) return false;
        } else if (!kind_ec && fs::exists(status)) {
          Step skipped{Step::What::Skipped,
                       "skipped: " + entry.path().string() + ": " + not_regular(status),
                       {},
                       {}};
          if (!queue_.push(std::move(skipped))) return false;
        }
      }
    }
    return true;
  }

  bool read_file(const fs::path& path) {
    // Not before the writer has taken the document before, so that no parsed document waits
    // here for room besides the one in the queue.
    if (!queue_.wait_for_room()) return false;
    const std::string name = path.string();
    std::string text;
    if (!read_text(path, text)) return reject(name + ": cannot read file: " + std::strerror(errno));
    Expected<Document> document = parse_document(text, name);
    if (!document) return reject(document.error().message);
    return queue_.push(
        Step{Step::What::Document, {}, name, hashing_.prepare(std::move(document->records))});
  }

  bool reject(std::string message) {
    return queue_.push(Step{Step::What::Rejected, std::move(message), {}, {}});
  }

  // Why something that exists is not read: a FIFO would block the import until someone writes
  // to it, a device could be read without end.
  static std::string not_regular(const fs::file_status& status) {
    std::string what = "something other than a file";
    switch (status.type()) {
      case fs::file_type::fifo:
        what = "a FIFO";
        break;
      case fs::file_type::character:
        what = "a character device";
        break;
      case fs::file_type::block:
        what = "a block device";
        break;
      case fs::file_type::socket:
        what = "a socket";
        break;
      default:
        break;
    }
    return "not a regular file (" + what + ")";
  }

  // Copied through rdbuf() in blocks: reading through istreambuf_iterator, one character at a
  // time, took longer than parsing (scripts/bench).
  static bool read_text(const fs::path& path, std::string& text) {
    std::ifstream in(path, std::ios::binary);
    if (!in.is_open()) return false;
    std::ostringstream buffer;
    buffer << in.rdbuf();  // an empty file sets buffer's failbit, and is still read correctly
    if (in.bad()) return false;
    text = std::move(buffer).str();
    return true;
  }

  BoundedQueue<Step>& queue_;
  const ReaderHashing& hashing_;
};

// The storing thread's side: each document in its own transaction, counted and logged in input
// order.
class Writer {
 public:
  Writer(storage::Archive& archive, const ImportOptions& options, std::int64_t run_id,
         ReaderHashing& hashing)
      : archive_(archive), options_(options), run_id_(run_id), hashing_(hashing) {}

  // Returns false when the archive failed and the import must stop.
  bool take(Step& step) {
    switch (step.what) {
      case Step::What::Skipped:
        options_.log(step.message);
        return true;
      case Step::What::Rejected:
        reject(step.message);
        return true;
      case Step::What::Document:
        break;
    }
    ++counts_.documents;
    auto outcomes = store_parsed(archive_, step.records, run_id_, options_.now(), nullptr);
    if (!outcomes) {
      fatal_ = step.name + ": not stored: " + outcomes.error().message;
      return false;
    }
    hashing_.stored(*outcomes);
    storage::count_outcomes(counts_, *outcomes);
    if (options_.progress) options_.progress(counts_);
    return true;
  }

  const storage::RunCounts& counts() const { return counts_; }
  const std::string& errors() const { return errors_; }
  const std::string& fatal_error() const { return fatal_; }

 private:
  void reject(const std::string& message) {
    ++counts_.documents;
    ++counts_.rejected;
    errors_ += message;
    errors_ += '\n';
    options_.log("rejected: " + message);
    if (options_.progress) options_.progress(counts_);
  }

  storage::Archive& archive_;
  const ImportOptions& options_;
  std::int64_t run_id_;
  ReaderHashing& hashing_;
  storage::RunCounts counts_;
  std::string errors_;
  std::string fatal_;
};

// The bytes of what read_path() will read: the files named, and the ".xml" files under the
// directories named. What cannot be listed counts nothing here; the reader reports it.
std::uint64_t input_bytes(std::span<const std::string> paths) {
  std::uint64_t bytes = 0;
  std::error_code ec;
  for (const std::string& p : paths) {
    if (fs::is_directory(p, ec)) {
      for (fs::recursive_directory_iterator it(p, ec), end; !ec && it != end; it.increment(ec)) {
        // Its own error code: a file that cannot be sized (gone since it was listed) neither
        // ends the walk nor adds file_size's error value, the largest integer.
        std::error_code entry_ec;
        if (it->path().extension() != ".xml" || !it->is_regular_file(entry_ec)) continue;
        const std::uintmax_t size = it->file_size(entry_ec);
        if (!entry_ec) bytes += size;
      }
    } else if (fs::is_regular_file(p, ec)) {
      const std::uintmax_t size = fs::file_size(p, ec);
      if (!ec) bytes += size;
    }
  }
  return bytes;
}

// Reads, parses and stores every path, counting into `result` (and its fatal error, if the
// archive or the reading failed) and collecting the rejections into `errors`.
void store_all(storage::Archive& archive, std::span<const std::string> paths,
               const ImportOptions& options, std::int64_t run_id, ImportResult& result,
               std::string& errors) {
  // Reading and parsing (and hashing, see ReaderHashing) on a thread of their own, storing on this
  // one: reading and parsing were 16% of an import's CPU time (perf, docs/BENCHMARKS.md), which a
  // second core now takes.
  ReaderHashing hashing;
  Writer writer(archive, options, run_id, hashing);
  const std::optional<std::string> reading_error = run_pipeline<Step>(
      kDocumentsAhead,
      [&](BoundedQueue<Step>& queue) {
        Reader reader(queue, hashing);
        for (const std::string& p : paths) {
          if (!reader.read_path(p)) break;
        }
      },
      [&](Step& step) { return writer.take(step); });
  result.counts = writer.counts();
  result.fatal_error = !writer.fatal_error().empty() ? writer.fatal_error()
                       : reading_error               ? "cannot read the input: " + *reading_error
                                                     : "";
  errors = writer.errors();
}

}  // namespace

ImportResult import_paths(storage::Archive& archive, std::span<const std::string> paths,
                          const ImportOptions& options) {
  ImportResult result;
  std::string detail;
  for (const std::string& p : paths) {
    if (!detail.empty()) detail += ' ';
    detail += p;
  }
  auto run_id = archive.begin_run("import", detail, options.now());
  if (!run_id) {
    result.fatal_error = run_id.error().message;
    return result;
  }
  std::string errors;
  if (auto deferred = archive.begin_bulk_load(input_bytes(paths)); !deferred) {
    result.fatal_error = deferred.error().message;
  } else {
    if (*deferred > 0) {
      options.log("the input is over twice the archive's size: its query indexes and session "
                  "counts (" + std::to_string(*deferred) + " indexes and triggers) are built "
                  "after the load");
    }
    store_all(archive, paths, options, *run_id, result, errors);
    if (*deferred > 0) {
      options.log("building the query indexes and counting the sessions");
      if (auto built = archive.end_bulk_load(); !built && result.fatal_error.empty()) {
        result.fatal_error = built.error().message;
      }
    }
  }
  if (!result.fatal_error.empty()) errors += result.fatal_error + '\n';
  if (auto finished = archive.finish_run(*run_id, options.now(), result.counts, errors);
      !finished && result.fatal_error.empty()) {
    result.fatal_error = finished.error().message;
  }
  return result;
}

}  // namespace emarchive::ingest
