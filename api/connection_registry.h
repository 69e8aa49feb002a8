#pragma once
// Internal to api/: every open connection, so that the server can drain them and the listener
// can count them.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace emarchive::api {

// What a connection can be asked from outside its thread.
class Drainable {
 public:
  virtual ~Drainable() = default;
  // Finish the request in hand, if any, then close; close at once if idle. Thread-safe.
  virtual void drain() = 0;

  // A served connection tells when it waits for a request with nothing of one received yet
  // (idle, a keep-alive connection between requests) and when a request has arrived. Kept in the
  // connection, without a lock: it changes twice a request, and only evictions read it.
  void set_idle(bool idle) {
    idle_since_.store(idle ? std::chrono::steady_clock::now().time_since_epoch().count() : kBusy,
                      std::memory_order_relaxed);
  }
  // Since when it has been idle; nullopt while busy. Thread-safe.
  std::optional<std::chrono::steady_clock::time_point> idle_since() const {
    const auto ticks = idle_since_.load(std::memory_order_relaxed);
    if (ticks == kBusy) return std::nullopt;
    return std::chrono::steady_clock::time_point(std::chrono::steady_clock::duration(ticks));
  }

 private:
  static constexpr std::chrono::steady_clock::rep kBusy =
      std::numeric_limits<std::chrono::steady_clock::rep>::min();
  std::atomic<std::chrono::steady_clock::rep> idle_since_{kBusy};
};

// Thread-safe.
class ConnectionRegistry {
 public:
  // Registers a connection from the client at `address` (an IP address); nullopt when the server
  // is draining (the caller closes at once).
  std::optional<std::uint64_t> add(std::weak_ptr<Drainable> connection, bool serving,
                                   std::string address);
  void remove(std::uint64_t id);
  // Without a lock: asked on every request.
  std::size_t serving() const { return serving_.load(std::memory_order_relaxed); }
  std::size_t refusing() const { return refusing_.load(std::memory_order_relaxed); }
  // Connections being served for the client at `address`.
  std::size_t serving_from(const std::string& address) const;

  // Drains the served connection idle the longest, to make room for a new one when all slots
  // are taken (as nginx reuses keep-alive connections): an idle keep-alive connection can be
  // closed at no cost to its client, which opens another for its next request. False when no
  // connection is idle.
  bool evict_idle();
  // From now on add() refuses; drains every registered connection.
  void drain_all();
  // Whether drain_all() has been called: a response being prepared then says Connection: close,
  // even before the connection's own drain() has run on its thread.
  bool draining() const { return draining_flag_.load(); }
  // Waits until no connection is left or `deadline` passes; true if none is left.
  bool wait_empty_until(std::chrono::steady_clock::time_point deadline);

 private:
  mutable std::mutex mutex_;
  std::condition_variable empty_;
  struct Entry {
    std::weak_ptr<Drainable> connection;
    std::string address;
    bool serving = false;
    // Chosen by evict_idle(): never chosen twice.
    bool evicted = false;
  };
  std::map<std::uint64_t, Entry> connections_;
  std::map<std::string, std::size_t, std::less<>> serving_by_address_;
  std::uint64_t next_id_ = 0;
  // Changed under mutex_.
  std::atomic<std::size_t> serving_ = 0;
  std::atomic<std::size_t> refusing_ = 0;
  bool draining_ = false;
  std::atomic<bool> draining_flag_{false};
};

}  // namespace emarchive::api
