#pragma once
// Archive connections for the server's threads. SQLite connections are not shared between
// threads (docs/ARCHITECTURE.md, "Threading"): each request borrows one, opening a new one only
// when all are busy, so the pool never holds more connections than requests ever ran at once.

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "model/expected.h"
#include "storage/archive.h"

namespace emarchive::api {

class ArchivePool {
 public:
  using Opener = std::function<Expected<std::unique_ptr<storage::Archive>>()>;
  explicit ArchivePool(Opener open) : open_(std::move(open)) {}

  // A borrowed connection, returned to the pool when it goes away.
  class Lease {
   public:
    Lease(ArchivePool& pool, std::unique_ptr<storage::Archive> archive)
        : pool_(&pool), archive_(std::move(archive)) {}
    Lease(Lease&&) = default;
    ~Lease() {
      if (archive_) pool_->give_back(std::move(archive_));
    }
    storage::Archive& operator*() const { return *archive_; }
    storage::Archive* operator->() const { return archive_.get(); }

   private:
    ArchivePool* pool_;
    std::unique_ptr<storage::Archive> archive_;
  };

  // Thread-safe. Fails only when a new connection is needed and cannot be opened.
  Expected<Lease> acquire() {
    {
      std::lock_guard lock(mutex_);
      if (!idle_.empty()) {
        auto archive = std::move(idle_.back());
        idle_.pop_back();
        return Lease(*this, std::move(archive));
      }
    }
    auto opened = open_();
    if (!opened) return opened.error();
    return Lease(*this, std::move(*opened));
  }

 private:
  void give_back(std::unique_ptr<storage::Archive> archive) {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(archive));
  }

  Opener open_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<storage::Archive>> idle_;
};

}  // namespace emarchive::api
