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
// Memory: the documents live in one region of `max_bytes`, mapped once, each with its key in
// front of it, written in the order they are filed and dropped in that order as the writing comes
// round again (first in, first out). Their memory is therefore exactly the region whatever the
// mix of sizes: with glibc's heap, query pages of 140 KB pushing out records' documents of 1.5 KB
// left the freed memory in holes no page fits, some 20 MB of them, and serve over 64 MB
// (docs/BENCHMARKS.md). Besides the region, each entry costs about 200 bytes of the heap (its
// list node, the map's node and bucket, the shared document's control block), and there are at
// most max_bytes / kBytesPerEntry entries: in all at most 1.2 times `max_bytes`. A document being
// sent (a SharedDocument a caller holds) is never written over: dropped meanwhile, its bytes stay
// where they are until it is let go, and the writing skips them. Thread-safe.

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "api/resource_handler.h"
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
    SharedDocument document;              // in the cache's region, kept there while held
    storage::CurrentRevisions revisions;  // as read before the document was loaded
    bool current = false;                 // filed or confirmed in the current epoch
  };

  // The region's bytes for each entry the cache may hold: a record's document and key take some
  // 1 to 1.6 KB.
  static constexpr std::size_t kBytesPerEntry = 1024;

  // Maps the region; throws std::system_error if it cannot.
  explicit DocumentCache(std::size_t max_bytes);
  ~DocumentCache();
  DocumentCache(const DocumentCache&) = delete;
  DocumentCache& operator=(const DocumentCache&) = delete;

  // Starts a new epoch: an archive connection saw another connection's commit.
  void archive_changed();
  // The current epoch, to be read before the revisions an insert() or confirm() files.
  std::uint64_t epoch() const;

  // The document filed under `key`, if any.
  std::optional<Found> find(const Key& key);

  // Files a copy of `document` under `key` with the revisions read at `epoch` (replacing what
  // was filed), dropping the oldest entries in its way; returns the copy. Empty when it is not
  // kept: larger than the region, or the region is held by documents being sent.
  SharedDocument insert(const Key& key, const storage::CurrentRevisions& revisions,
                        std::uint64_t epoch, std::string_view document);

  // Notes that the entry under `key` still has the current revisions as read at `epoch`,
  // when its revisions are `revisions`.
  void confirm(const Key& key, const storage::CurrentRevisions& revisions, std::uint64_t epoch);

  // The region's bytes that documents and their keys hold (filed ones, and dropped ones still
  // being sent), and the entries that can be found.
  std::size_t bytes() const;
  std::size_t entries() const;

 private:
  struct Region;
  // A document and its key in the region, from `offset`; `document` is the view that callers
  // share (SharedDocument aliases it), so its use count says whether one is sending it.
  struct Slot {
    std::size_t offset = 0;
    std::size_t key_size = 0;
    std::size_t size = 0;  // key and document
    std::shared_ptr<const std::string_view> document;
    storage::CurrentRevisions revisions;
    std::uint64_t epoch = 0;
    bool indexed = false;  // can be found; else dropped, and kept only while it is being sent
  };
  using Slots = std::list<Slot>;

  static void key_text(const Key& key, std::string& text);
  static std::string_view lookup_key(const Key& key);
  std::string_view key_of(const Slot& slot) const;
  bool sending(const Slot& slot) const;
  bool make_room(std::size_t size);
  void wrap();
  void drop_beyond_entries();
  Slots::iterator drop(Slots::iterator slot);
  void unindex(Slot& slot);

  const std::size_t max_bytes_;
  const std::size_t max_entries_;
  std::shared_ptr<Region> region_;  // also held by each shared document
  mutable std::mutex mutex_;
  std::uint64_t epoch_ = 0;
  // Every slot in the region, in the order the writing meets them from `head_`: the oldest
  // first, the newest (just behind head_) last.
  Slots slots_;
  std::size_t head_ = 0;  // where the next document is written
  std::unordered_map<std::string_view, Slots::iterator> index_;  // keys in the region
  std::size_t bytes_ = 0;
};

}  // namespace emarchive::api
