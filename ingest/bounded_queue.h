#pragma once
// A first-in first-out queue between one producing and one consuming thread that holds at most
// a fixed number of items: the producer waits while it is full, so that a fast producer cannot
// fill memory ahead of a slow consumer (import and ingest parse the next document while the
// current one is stored, through run_pipeline below).

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <utility>

namespace emarchive::ingest {

template <class T>
class BoundedQueue {
 public:
  explicit BoundedQueue(std::size_t capacity) : capacity_(capacity) {}

  // Waits for room, then appends `item`. Returns false, dropping the item, once close() was
  // called: the consumer wants no more.
  bool push(T item) {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
    if (closed_) return false;
    items_.push_back(std::move(item));
    not_empty_.notify_one();
    return true;
  }

  // Waits until push() would not wait; false once close() was called. A producer that calls it
  // before making its next item holds that item only while there is room for it.
  bool wait_for_room() {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
    return !closed_;
  }

  // Waits for an item and takes it; nullopt once the queue is finished and empty, or closed.
  std::optional<T> pop() {
    std::unique_lock lock(mutex_);
    not_empty_.wait(lock, [&] { return closed_ || finished_ || !items_.empty(); });
    if (closed_ || items_.empty()) return std::nullopt;
    std::optional<T> item(std::move(items_.front()));
    items_.pop_front();
    not_full_.notify_one();
    return item;
  }

  // The producer has pushed its last item: pop() returns what is left, then nullopt.
  void finish() {
    std::lock_guard lock(mutex_);
    finished_ = true;
    not_empty_.notify_all();
  }

  // The consumer stops: waiting and later push() calls return false, pop() returns nullopt,
  // and the items held are dropped.
  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    items_.clear();
    not_full_.notify_all();
    not_empty_.notify_all();
  }

 private:
  const std::size_t capacity_;
  std::mutex mutex_;
  std::condition_variable not_full_;
  std::condition_variable not_empty_;
  std::deque<T> items_;
  bool finished_ = false;
  bool closed_ = false;
};

// Runs produce(queue) on a thread of its own and consume(item) on the calling thread for each
// item, in order, through a BoundedQueue of `capacity`, until the producer is done or consume()
// returns false. Then the queue is closed, which ends the producer at its next push or wait for
// room, and the thread is joined, however this returns (an exception from consume() included: a
// thread left joinable would end the process). Returns why the producing side stopped early, if
// it did: what it threw (out of memory), or that its thread could not be started.
template <class T, class Produce, class Consume>
std::optional<std::string> run_pipeline(std::size_t capacity, Produce produce, Consume consume) {
  BoundedQueue<T> queue(capacity);
  std::optional<std::string> producer_error;
  std::thread producer;
  try {
    producer = std::thread([&] {
      try {
        produce(queue);
      } catch (const std::exception& e) {
        producer_error = e.what();
      }
      queue.finish();
    });
  } catch (const std::system_error& e) {
    return std::string("cannot start a thread: ") + e.what();
  }
  struct Joined {
    BoundedQueue<T>& queue;
    std::thread& thread;
    ~Joined() {
      queue.close();
      thread.join();
    }
  };
  {
    const Joined joined{queue, producer};
    while (std::optional<T> item = queue.pop()) {
      if (!consume(*item)) break;
    }
  }
  return producer_error;  // read after the join: the producer may have been still at work
}

}  // namespace emarchive::ingest
