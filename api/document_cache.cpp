#include "api/document_cache.h"

#include <utility>

namespace emarchive::api {

// Fields joined with NUL, which neither a UID, an origin nor a number contains.
std::string DocumentCache::key_text(const Key& key) {
  std::string text;
  text.reserve(key.uid.size() + key.origin.size() + 48);
  text += key.uid;
  text += '\0';
  text += key.form == Form::Entity ? 'e' : 'r';
  text += key.origin;
  text += '\0';
  text += std::to_string(key.reference_revision);
  text += '\0';
  text += std::to_string(key.entity_revision);
  return text;
}

std::optional<std::string> DocumentCache::find(const Key& key) {
  const std::string text = key_text(key);
  std::lock_guard lock(mutex_);
  const auto it = index_.find(text);
  if (it == index_.end()) return std::nullopt;
  entries_.splice(entries_.begin(), entries_, it->second);
  return it->second->document;
}

void DocumentCache::insert(const Key& key, std::string document) {
  Entry entry{key_text(key), std::move(document)};
  const std::size_t entry_bytes = cost(entry);
  if (entry_bytes > max_bytes_) return;
  std::lock_guard lock(mutex_);
  if (index_.count(entry.key)) return;  // another thread rendered it meanwhile
  while (bytes_ + entry_bytes > max_bytes_) {
    const Entry& oldest = entries_.back();
    bytes_ -= cost(oldest);
    index_.erase(oldest.key);
    entries_.pop_back();
  }
  entries_.push_front(std::move(entry));
  index_.emplace(entries_.front().key, entries_.begin());
  bytes_ += entry_bytes;
}

std::size_t DocumentCache::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

}  // namespace emarchive::api
