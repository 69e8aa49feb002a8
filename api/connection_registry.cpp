#include "api/connection_registry.h"

#include <vector>

namespace emarchive::api {

std::optional<std::uint64_t> ConnectionRegistry::add(std::weak_ptr<Drainable> connection,
                                                     bool serving, std::string address) {
  std::lock_guard lock(mutex_);
  if (draining_) return std::nullopt;
  const std::uint64_t id = next_id_++;
  if (serving) ++serving_by_address_[address];
  connections_.emplace(id, Entry{std::move(connection), std::move(address), serving});
  ++(serving ? serving_ : refusing_);
  return id;
}

void ConnectionRegistry::remove(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  const auto it = connections_.find(id);
  if (it == connections_.end()) return;
  if (it->second.serving) {
    --serving_;
    const auto by_address = serving_by_address_.find(it->second.address);
    if (--by_address->second == 0) serving_by_address_.erase(by_address);
  } else {
    --refusing_;
  }
  connections_.erase(it);
  if (connections_.empty()) empty_.notify_all();
}

std::size_t ConnectionRegistry::serving_from(const std::string& address) const {
  std::lock_guard lock(mutex_);
  const auto it = serving_by_address_.find(address);
  return it == serving_by_address_.end() ? 0 : it->second;
}

bool ConnectionRegistry::evict_idle() {
  std::shared_ptr<Drainable> victim;
  {
    std::lock_guard lock(mutex_);
    std::optional<std::chrono::steady_clock::time_point> oldest_since;
    Entry* oldest = nullptr;
    for (auto& [id, entry] : connections_) {
      if (entry.evicted) continue;
      std::shared_ptr<Drainable> connection = entry.connection.lock();
      const auto since = connection ? connection->idle_since() : std::nullopt;
      if (since && (!oldest_since || *since < *oldest_since)) {
        oldest_since = since;
        oldest = &entry;
        victim = std::move(connection);
      }
    }
    if (!oldest) return false;
    oldest->evicted = true;
  }
  // Closes at once if still idle on its thread, else after answering the request that came in.
  victim->drain();
  return true;
}

void ConnectionRegistry::drain_all() {
  std::vector<std::shared_ptr<Drainable>> live;
  {
    std::lock_guard lock(mutex_);
    draining_ = true;
    draining_flag_ = true;
    for (auto& [id, entry] : connections_) {
      if (auto connection = entry.connection.lock()) live.push_back(std::move(connection));
    }
  }
  for (auto& connection : live) connection->drain();
}

bool ConnectionRegistry::wait_empty_until(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  return empty_.wait_until(lock, deadline, [this] { return connections_.empty(); });
}

}  // namespace emarchive::api
