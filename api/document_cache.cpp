#include "api/document_cache.h"

#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>
#include <utility>

namespace emarchive::api {

// The mapping the documents are written in. Shared documents hold it too, so that one still
// being sent outlives the cache.
struct DocumentCache::Region {
  explicit Region(std::size_t bytes) : size(bytes) {
    // Reserved, not committed: its pages become resident as documents are first written there.
    void* mapped = mmap(nullptr, size, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mapped == MAP_FAILED) {
      throw std::system_error(errno, std::generic_category(), "cannot map the document cache");
    }
    data = static_cast<char*>(mapped);
  }
  ~Region() { munmap(data, size); }
  Region(const Region&) = delete;
  Region& operator=(const Region&) = delete;

  char* data = nullptr;
  std::size_t size;
};

namespace {

// A document's view and the region it is in, in one allocation with their shared count.
struct Held {
  std::string_view bytes;
  std::shared_ptr<const void> region;
};

}  // namespace

DocumentCache::DocumentCache(std::size_t max_bytes)
    : max_bytes_(max_bytes),
      max_entries_(std::max<std::size_t>(max_bytes / kBytesPerEntry, 1)),
      region_(std::make_shared<Region>(max_bytes)) {}

DocumentCache::~DocumentCache() = default;

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

std::string_view DocumentCache::key_of(const Slot& slot) const {
  return {region_->data + slot.offset, slot.key_size};
}

// Whether a caller holds the slot's document. Callers let go on other threads, without the
// mutex (a new holder comes only from find(), under it). Their last reads of the bytes come
// before their release of the count; the fence after reading a count of one orders those reads
// before this thread writes over the bytes.
bool DocumentCache::sending(const Slot& slot) const {
  if (slot.document.use_count() > 1) return true;
  std::atomic_thread_fence(std::memory_order_acquire);
  return false;
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
  const Slot& slot = *it->second;
  return Found{slot.document, slot.revisions, slot.epoch == epoch_};
}

SharedDocument DocumentCache::insert(const Key& key, const storage::CurrentRevisions& revisions,
                                     std::uint64_t epoch, std::string_view document) {
  const std::string_view text = lookup_key(key);
  const std::size_t size = text.size() + document.size();
  std::lock_guard lock(mutex_);
  if (const auto it = index_.find(text); it != index_.end()) unindex(*it->second);
  if (size > max_bytes_) return nullptr;
  drop_beyond_entries();
  if (!make_room(size)) return nullptr;

  char* at = region_->data + head_;
  std::memcpy(at, text.data(), text.size());
  std::memcpy(at + text.size(), document.data(), document.size());
  const auto held = std::make_shared<const Held>(
      Held{std::string_view(at + text.size(), document.size()), region_});
  slots_.push_back(Slot{head_, text.size(), size,
                        std::shared_ptr<const std::string_view>(held, &held->bytes), revisions,
                        epoch, true});
  index_.emplace(key_of(slots_.back()), std::prev(slots_.end()));
  head_ += size;
  bytes_ += size;
  return slots_.back().document;
}

// Clears the region from head_ for `size` bytes: the slots there, the oldest, are dropped, and
// the writing steps over one being sent (which then waits at the back, the furthest from
// head_). Each step over moves a slot from the front to the back, so after as many steps as
// there are slots every one was found being sent, and the document is not kept.
bool DocumentCache::make_room(std::size_t size) {
  for (std::size_t steps = slots_.size() + 1; steps > 0; --steps) {
    if (head_ + size > max_bytes_) wrap();
    bool stepped = false;
    // The front is the first slot from head_ on; one before head_ is ahead only past the end.
    while (!slots_.empty() && slots_.front().offset >= head_ &&
           slots_.front().offset < head_ + size) {
      if (sending(slots_.front())) {
        head_ = slots_.front().offset + slots_.front().size;
        slots_.splice(slots_.end(), slots_, slots_.begin());
        stepped = true;
        break;
      }
      drop(slots_.begin());
    }
    if (!stepped) return true;
  }
  return false;
}

// The writing goes back to the region's start. The slots between head_ and the end, too few
// bytes for the next document, stay and wait at the back: the furthest from the start.
void DocumentCache::wrap() {
  auto end = slots_.begin();
  while (end != slots_.end() && end->offset >= head_) ++end;
  slots_.splice(slots_.end(), slots_, slots_.begin(), end);
  head_ = 0;
}

// At most max_entries_ slots, counting dropped ones still being sent: the oldest go first, and
// one being sent can no longer be found but stays until it is let go.
void DocumentCache::drop_beyond_entries() {
  for (auto it = slots_.begin(); it != slots_.end() && slots_.size() >= max_entries_;) {
    if (it->indexed) unindex(*it);
    it = sending(*it) ? std::next(it) : drop(it);
  }
}

DocumentCache::Slots::iterator DocumentCache::drop(Slots::iterator slot) {
  if (slot->indexed) unindex(*slot);
  bytes_ -= slot->size;
  return slots_.erase(slot);
}

void DocumentCache::unindex(Slot& slot) {
  index_.erase(key_of(slot));
  slot.indexed = false;
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

std::size_t DocumentCache::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

std::size_t DocumentCache::entries() const {
  std::lock_guard lock(mutex_);
  return index_.size();
}

}  // namespace emarchive::api
