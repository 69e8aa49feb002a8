#include "ingest/importer.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "model/codec.h"

namespace emarchive::ingest {
namespace {

namespace fs = std::filesystem;

class Importer {
 public:
  Importer(storage::Archive& archive, const ImportOptions& options, std::int64_t run_id)
      : archive_(archive), options_(options), run_id_(run_id) {}

  // Returns false when the archive failed and the import must stop.
  bool import_path(const fs::path& path) {
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (ec || !fs::exists(status)) {
      reject(path.string() + ": " + (ec ? ec.message() : "no such file or directory"));
      return true;
    }
    if (fs::is_directory(status)) return import_directory(path);
    if (!fs::is_regular_file(status)) {
      reject(path.string() + ": " + not_regular(status));
      return true;
    }
    return import_file(path);
  }

  const storage::RunCounts& counts() const { return counts_; }
  const std::string& errors() const { return errors_; }
  const std::string& fatal_error() const { return fatal_; }

 private:
  bool import_directory(const fs::path& dir) {
    // Sorted per directory so that runs are reproducible; only one directory's names are held.
    std::vector<fs::directory_entry> entries;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      entries.push_back(*it);
    }
    if (ec) {
      reject(dir.string() + ": cannot list directory: " + ec.message());
      return true;
    }
    std::sort(entries.begin(), entries.end(),
              [](const auto& a, const auto& b) { return a.path() < b.path(); });
    for (const fs::directory_entry& entry : entries) {
      std::error_code kind_ec;
      if (entry.is_directory(kind_ec) && !entry.is_symlink(kind_ec)) {
        if (!import_directory(entry.path())) return false;
      } else if (entry.path().extension() == ".xml") {
        const fs::file_status status = entry.status(kind_ec);
        if (fs::is_regular_file(status)) {
          if (!import_file(entry.path())) return false;
        } else if (!kind_ec && fs::exists(status)) {
          options_.log("skipped: " + entry.path().string() + ": " + not_regular(status));
        }
      }
    }
    return true;
  }

  bool import_file(const fs::path& path) {
    const std::string name = path.string();
    std::string text;
    if (!read_file(path, text)) {
      reject(name + ": cannot read file: " + std::strerror(errno));
      return true;
    }
    ++counts_.documents;
    Expected<Document> document = parse_document(text, name);
    if (!document) {
      reject_parsed(document.error().message);
      return true;
    }
    auto outcomes = archive_.store(document->records, run_id_, options_.now());
    if (!outcomes) {
      fatal_ = name + ": not stored: " + outcomes.error().message;
      return false;
    }
    storage::count_outcomes(counts_, *outcomes);
    if (options_.progress) options_.progress(counts_);
    return true;
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
  static bool read_file(const fs::path& path, std::string& text) {
    std::ifstream in(path, std::ios::binary);
    if (!in.is_open()) return false;
    std::ostringstream buffer;
    buffer << in.rdbuf();  // an empty file sets buffer's failbit, and is still read correctly
    if (in.bad()) return false;
    text = std::move(buffer).str();
    return true;
  }

  // A path that could not even be read: it counts as a document, and as rejected.
  void reject(const std::string& message) {
    ++counts_.documents;
    reject_parsed(message);
  }

  void reject_parsed(const std::string& message) {
    ++counts_.rejected;
    errors_ += message;
    errors_ += '\n';
    options_.log("rejected: " + message);
    if (options_.progress) options_.progress(counts_);
  }

  storage::Archive& archive_;
  const ImportOptions& options_;
  std::int64_t run_id_;
  storage::RunCounts counts_;
  std::string errors_;
  std::string fatal_;
};

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
  Importer importer(archive, options, *run_id);
  for (const std::string& p : paths) {
    if (!importer.import_path(p)) break;
  }
  result.counts = importer.counts();
  result.fatal_error = importer.fatal_error();
  std::string errors = importer.errors();
  if (!result.fatal_error.empty()) errors += result.fatal_error + '\n';
  if (auto finished = archive.finish_run(*run_id, options.now(), result.counts, errors);
      !finished && result.fatal_error.empty()) {
    result.fatal_error = finished.error().message;
  }
  return result;
}

}  // namespace emarchive::ingest
