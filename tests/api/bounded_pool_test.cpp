#include "api/bounded_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <memory>

namespace emarchive::api {
namespace {

TEST(BoundedPoolTest, RefusesWorkBeyondItsQueueAndDropsWhatWaitsOnStop) {
  BoundedPool pool(1, 1);
  std::promise<void> release;
  std::promise<void> running;
  std::shared_future<void> released = release.get_future().share();
  ASSERT_TRUE(pool.try_post([&running, released] {
    running.set_value();
    released.wait();
  }));
  running.get_future().wait();  // the thread is busy, the queue empty
  // What a queued task holds (a connection, in the server) is released once it ran or was dropped.
  auto held = std::make_shared<int>(0);
  ASSERT_TRUE(pool.try_post([held] {}));
  EXPECT_FALSE(pool.try_post([] {})) << "a second task waiting beyond a queue of one";

  release.set_value();
  pool.stop();
  EXPECT_EQ(held.use_count(), 1) << "a task still held after stop()";
  EXPECT_FALSE(pool.try_post([] {})) << "work accepted after stop()";
}

TEST(BoundedPoolTest, RunsWhatItAccepts) {
  BoundedPool pool(2, 8);
  std::atomic<int> ran{0};
  std::promise<void> done;
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(pool.try_post([&] {
      if (++ran == 8) done.set_value();
    }));
  }
  done.get_future().wait();
  EXPECT_EQ(ran, 8);
}

}  // namespace
}  // namespace emarchive::api
