#include "api/connection_registry.h"

#include <vector>

namespace emarchive::api {

std::optional<std::uint64_t> ConnectionRegistry::add(std::weak_ptr<Drainable> connection,
                                                     bool serving, std::string address) {
  std::lock_guard lock(mutex_);
  if (draining_) return std::nullopt;
  const std::uint64_t id = next_id_++;
  if (serving) ++serving_by_address_[address];
  connections_.emplace(id, Entry{std::move(connection), std::move(address), serving, {}});
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

void ConnectionRegistry::set_idle(std::uint64_t id, bool idle) {
  std::lock_guard lock(mutex_);
  const auto it = connections_.find(id);
  if (it == connections_.end()) return;
  if (idle) {
    it->second.idle_since = std::chrono::steady_clock::now();
  } else {
    it->second.idle_since.reset();
  }
}

bool ConnectionRegistry::evict_idle() {
  std::shared_ptr<Drainable> victim;
  {
    std::lock_guard lock(mutex_);
    auto oldest = connections_.end();
    for (auto it = connections_.begin(); it != connections_.end(); ++it) {
      if (!it->second.idle_since) continue;
      if (oldest == connections_.end() || *it->second.idle_since < *oldest->second.idle_since) {
        oldest = it;
      }
    }
    if (oldest == connections_.end()) return false;
    oldest->second.idle_since.reset();  // never chosen twice
    victim = oldest->second.connection.lock();
  }
  // Closes at once if still idle on its thread, else after answering the request that came in.
  if (victim) victim->drain();
  return true;
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
