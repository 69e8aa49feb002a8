#pragma once
// Internal to api/: every open connection, so that the server can drain them and the listener
// can count them.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

namespace emarchive::api {

// What a connection can be asked from outside its strand.
class Drainable {
 public:
  virtual ~Drainable() = default;
  // Finish the request in hand, if any, then close; close at once if idle. Thread-safe.
  virtual void drain() = 0;
};

// Thread-safe.
class ConnectionRegistry {
 public:
  // Registers a connection; nullopt when the server is draining (the caller closes at once).
  std::optional<std::uint64_t> add(std::weak_ptr<Drainable> connection, bool serving);
  void remove(std::uint64_t id, bool serving);
  std::size_t serving() const;
  std::size_t refusing() const;
  // From now on add() refuses; drains every registered connection.
  void drain_all();
  // Whether drain_all() has been called: a response being prepared then says Connection: close,
  // even before the connection's own drain() has run on its strand.
  bool draining() const { return draining_flag_.load(); }
  // Waits until no connection is left or `deadline` passes; true if none is left.
  bool wait_empty_until(std::chrono::steady_clock::time_point deadline);

 private:
  mutable std::mutex mutex_;
  std::condition_variable empty_;
  std::map<std::uint64_t, std::weak_ptr<Drainable>> connections_;
  std::uint64_t next_id_ = 0;
  std::size_t serving_ = 0;
  std::size_t refusing_ = 0;
  bool draining_ = false;
  std::atomic<bool> draining_flag_{false};
};

}  // namespace emarchive::api
