#pragma once
// Rendered single-record documents, kept so that serving the same record again costs a lookup
// of its current revisions instead of loading it from six tables and rendering it
// (docs/BENCHMARKS.md). Every change to what a record's documents render from is a new revision
// of one of its forms (docs/SCHEMA.md, `revisions`). The key holds the revision numbers of both
// forms of the record as read just before the document was loaded, so a document is found only
// while those are still the record's current revisions: storing a new revision changes the key, and
// the old document can never be served again (it ages out). Revisions only grow, so a document
// filed under a key that was current when looked up is never older than that key says.
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

namespace emarchive::api {

class DocumentCache {
 public:
  // What a rendered document depends on besides the archive's rows, which the revisions stand
  // for: the record, the form asked for and the origin its Hrefs were written with.
  struct Key {
    std::string_view uid;
    Form form;
    std::string_view origin;
    std::int64_t reference_revision;  // 0: never archived
    std::int64_t entity_revision;
  };

  // What an entry costs besides its key and document: the list node, the map's node and bucket.
  static constexpr std::size_t kEntryOverhead = 160;

  explicit DocumentCache(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  // The document filed under `key`, if any (it becomes the most recently used).
  std::optional<std::string> find(const Key& key);

  // Files `document` under `key`, dropping the least recently used entries beyond the bound. A
  // document larger than the whole bound is not kept.
  void insert(const Key& key, std::string document);

  std::size_t bytes() const;

 private:
  struct Entry {
    std::string key;
    std::string document;
  };
  static std::string key_text(const Key& key);
  static std::size_t cost(const Entry& entry) {
    return entry.key.size() + entry.document.size() + kEntryOverhead;
  }

  const std::size_t max_bytes_;
  mutable std::mutex mutex_;
  std::list<Entry> entries_;  // most recently used first
  std::unordered_map<std::string_view, std::list<Entry>::iterator> index_;  // keys in entries_
  std::size_t bytes_ = 0;
};

}  // namespace emarchive::api
