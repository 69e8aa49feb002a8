#include "api/document_cache.h"

#include <utility>

namespace emarchive::api {

// Fields joined with NUL, which neither a UID nor an origin contains.
void DocumentCache::key_text(const Key& key, std::string& text) {
  text.clear();
  text += key.uid;
  text += '\0';
  text += key.form == Form::Entity ? 'e' : 'r';
  text += key.json ? 'j' : 'x';
  text += key.origin;
}

// The key looked up, in a buffer each thread keeps: no allocation per request.
std::string_view DocumentCache::lookup_key(const Key& key) {
  thread_local std::string text;
  key_text(key, text);
  return text;
}

void DocumentCache::archive_changed() {
  std::lock_guard lock(mutex_);
  ++epoch_;
}

std::uint64_t DocumentCache::epoch() const {
  std::lock_guard lock(mutex_);
  return epoch_;
}

std::optional<DocumentCache::Found> DocumentCache::find(const Key& key) {
  const std::string_view text = lookup_key(key);
  std::lock_guard lock(mutex_);
  const auto it = index_.find(text);
  if (it == index_.end()) return std::nullopt;
  entries_.splice(entries_.begin(), entries_, it->second);
  const Entry& entry = *it->second;
  return Found{entry.document, entry.revisions, entry.epoch == epoch_};
}

std::size_t DocumentCache::insert(const Key& key, const storage::CurrentRevisions& revisions,
                                  std::uint64_t epoch,
                                  std::shared_ptr<const std::string> document) {
  Entry entry{{}, std::move(document), revisions, epoch};
  key_text(key, entry.key);
  const std::size_t entry_bytes = cost(entry);
  if (entry_bytes > max_bytes_) return 0;
  std::lock_guard lock(mutex_);
  if (const auto it = index_.find(entry.key); it != index_.end()) erase(it->second);
  std::size_t evicted = 0;
  while (bytes_ + entry_bytes > max_bytes_) {
    evicted += cost(entries_.back());
    erase(std::prev(entries_.end()));
  }
  entries_.push_front(std::move(entry));
  index_.emplace(entries_.front().key, entries_.begin());
  bytes_ += entry_bytes;
  return evicted;
}

void DocumentCache::confirm(const Key& key, const storage::CurrentRevisions& revisions,
                            std::uint64_t epoch) {
  const std::string_view text = lookup_key(key);
  std::lock_guard lock(mutex_);
  const auto it = index_.find(text);
  // Replaced meanwhile by another document: that one's revisions are its own.
  if (it == index_.end() || it->second->revisions != revisions) return;
  it->second->epoch = epoch;
}

void DocumentCache::erase(std::list<Entry>::iterator entry) {
  bytes_ -= cost(*entry);
  index_.erase(entry->key);
  entries_.erase(entry);
}

std::size_t DocumentCache::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

}  // namespace emarchive::api
