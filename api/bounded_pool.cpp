#include "api/bounded_pool.h"

#include <algorithm>
#include <system_error>

namespace emarchive::api {

BoundedPool::BoundedPool(unsigned threads, std::size_t queue_limit) : queue_limit_(queue_limit) {
  threads = std::max(threads, 1u);
  threads_.reserve(threads);
  // A thread the system refuses (std::system_error) fails the pool: those started stop first,
  // as a joinable std::thread destroyed would abort the process.
  try {
    for (unsigned i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
  } catch (const std::system_error& e) {
    stop();
    throw std::system_error(e.code(), "cannot start a thread of the server's pools");
  }
}

BoundedPool::~BoundedPool() {
  stop();
}

bool BoundedPool::try_post(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= queue_limit_) return false;
    queue_.push_back(std::move(task));
  }
  ready_.notify_one();
  return true;
}

void BoundedPool::stop() {
  std::deque<std::function<void()>> dropped;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    dropped.swap(queue_);
  }
  ready_.notify_all();
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  // Destroyed here, outside the lock: a task may own what it was to work on.
  dropped.clear();
}

void BoundedPool::run() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();
  }
}

}  // namespace emarchive::api
