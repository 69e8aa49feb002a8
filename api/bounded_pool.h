#pragma once
// Internal to api/: a few threads for work too slow for the server's I/O threads (checking a
// password runs PBKDF2 on purpose for a noticeable time), behind a bounded queue: a flood of
// such work waits in a line of known length or is refused at once, and never holds up the I/O
// threads or grows memory.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace emarchive::api {

// Thread-safe.
class BoundedPool {
 public:
  // Starts `threads` threads (at least one); at most `queue_limit` tasks wait beside the ones
  // running.
  BoundedPool(unsigned threads, std::size_t queue_limit);
  ~BoundedPool();  // stop()s
  BoundedPool(const BoundedPool&) = delete;
  BoundedPool& operator=(const BoundedPool&) = delete;

  // Queues `task` to run on a pool thread; false, with `task` not run, when queue_limit tasks
  // are already waiting or the pool is stopping. A task must not throw.
  bool try_post(std::function<void()> task);

  // Lets the tasks running finish, destroys the waiting ones unrun, and joins the threads.
  // Idempotent; not from a pool thread.
  void stop();

 private:
  void run();

  const std::size_t queue_limit_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace emarchive::api
