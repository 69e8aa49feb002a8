#pragma once
// Rendered single-record documents, kept so that serving the same record again costs no lookup
// of the archive's rows while nothing was committed, and one lookup of its current revisions
// otherwise, instead of loading it from six tables and rendering it (docs/BENCHMARKS.md). Also
// query-service pages, under their request's target: filed with no revisions, they are answered
// while their epoch is the current one only, and never confirmed.
//
// Why a document is never stale. Every change to what a record's documents render from is a
// new revision of one of its forms (docs/SCHEMA.md, `revisions`), and revisions only grow. Each
// entry holds the current revisions of both forms as read before its document was loaded, and
// the epoch at which they were read. The epoch moves (archive_changed()) whenever a request's
// connection finds that another connection committed since that connection last asked
// (storage::Archive::changed(), asked at the start of every request for a current record). So, for
// a commit that happened before a request asked: the first later asking on that request's
// connection saw it and moved the epoch, before this request compares epochs. An entry whose epoch
// is still the current one was therefore read after every commit that came before the request: it
// is current (answer it as it is). Otherwise the caller reads the record's current revisions: equal
// to the entry's, the document is still current (confirm() it), else it renders anew. A document
// filed under revisions that were current when read is never older than they say.
//
// Memory: at most `max_bytes` of documents and keys (plus a fixed overhead per entry, counted
// as kEntryOverhead); the least recently used go first. Thread-safe.

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "model/record.h"
#include "storage/archive.h"

namespace emarchive::api {

class DocumentCache {
 public:
  // What a rendered document depends on besides the archive's rows: the record (`uid`; for a
  // query page, the request's target), the form asked for, the origin its Hrefs were written
  // with, and the format (XML, or EM's JSON).
  struct Key {
    std::string_view uid;
    Form form;
    std::string_view origin;
    bool json = false;
  };

  struct Found {
    std::shared_ptr<const std::string> document;
    storage::CurrentRevisions revisions;  // as read before the document was loaded
    bool current = false;                 // filed or confirmed in the current epoch
  };

  // What an entry costs besides its key and document: the list node, the map's node and
  // bucket, the shared document's control block.
  static constexpr std::size_t kEntryOverhead = 200;

  explicit DocumentCache(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  // Starts a new epoch: an archive connection saw another connection's commit.
  void archive_changed();
  // The current epoch, to be read before the revisions an insert() or confirm() files.
  std::uint64_t epoch() const;

  // The document filed under `key`, if any (it becomes the most recently used).
  std::optional<Found> find(const Key& key);

  // Files `document` under `key` with the revisions read at `epoch` (replacing what was filed),
  // dropping the least recently used entries beyond the bound; returns what those cost. A
  // document larger than the whole bound is not kept.
  std::size_t insert(const Key& key, const storage::CurrentRevisions& revisions,
                     std::uint64_t epoch, std::shared_ptr<const std::string> document);

  // Notes that the entry under `key` still has the current revisions as read at `epoch`,
  // when its revisions are `revisions`.
  void confirm(const Key& key, const storage::CurrentRevisions& revisions, std::uint64_t epoch);

  std::size_t bytes() const;

 private:
  struct Entry {
    std::string key;
    std::shared_ptr<const std::string> document;
    storage::CurrentRevisions revisions;
    std::uint64_t epoch;
  };
  static void key_text(const Key& key, std::string& text);
  static std::string_view lookup_key(const Key& key);
  static std::size_t cost(const Entry& entry) {
    return entry.key.size() + entry.document->size() + kEntryOverhead;
  }
  void erase(std::list<Entry>::iterator entry);

  const std::size_t max_bytes_;
  mutable std::mutex mutex_;
  std::uint64_t epoch_ = 0;
  std::list<Entry> entries_;  // most recently used first
  std::unordered_map<std::string_view, std::list<Entry>::iterator> index_;  // keys in entries_
  std::size_t bytes_ = 0;
};

}  // namespace emarchive::api
