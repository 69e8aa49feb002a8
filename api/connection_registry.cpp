#include "api/connection_registry.h"

#include <vector>

namespace emarchive::api {

std::optional<std::uint64_t> ConnectionRegistry::add(std::weak_ptr<Drainable> connection,
                                                     bool serving) {
  std::lock_guard lock(mutex_);
  if (draining_) return std::nullopt;
  const std::uint64_t id = next_id_++;
  connections_.emplace(id, std::move(connection));
  ++(serving ? serving_ : refusing_);
  return id;
}

void ConnectionRegistry::remove(std::uint64_t id, bool serving) {
  std::lock_guard lock(mutex_);
  connections_.erase(id);
  --(serving ? serving_ : refusing_);
  if (connections_.empty()) empty_.notify_all();
}

std::size_t ConnectionRegistry::serving() const {
  std::lock_guard lock(mutex_);
  return serving_;
}

std::size_t ConnectionRegistry::refusing() const {
  std::lock_guard lock(mutex_);
  return refusing_;
}

void ConnectionRegistry::drain_all() {
  std::vector<std::shared_ptr<Drainable>> live;
  {
    std::lock_guard lock(mutex_);
    draining_ = true;
    draining_flag_ = true;
    for (auto& [id, weak] : connections_) {
      if (auto connection = weak.lock()) live.push_back(std::move(connection));
    }
  }
  for (auto& connection : live) connection->drain();
}

bool ConnectionRegistry::wait_empty_until(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  return empty_.wait_until(lock, deadline, [this] { return connections_.empty(); });
}

}  // namespace emarchive::api
