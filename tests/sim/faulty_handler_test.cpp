#include "sim/faulty_handler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace emarchive::sim {
namespace {

namespace http = boost::beast::http;

// What a client sees of each of `n` requests sent one after the other: "ok", "500" or "503".
std::vector<std::string> outcomes(const FaultOptions& options, int n, int* passed = nullptr) {
  std::atomic<int> calls = 0;
  const api::ResourceHandler handler = with_faults(
      [&calls](const api::ApiRequest&) {
        ++calls;
        return api::ApiResponse{};
      },
      options);
  std::vector<std::string> seen;
  for (int i = 0; i < n; ++i) {
    const api::ApiResponse response = handler(api::ApiRequest{});
    seen.push_back(response.status == http::status::ok
                       ? "ok"
                       : std::to_string(static_cast<unsigned>(response.status)));
  }
  if (passed) *passed = calls;
  return seen;
}

int failures(const std::vector<std::string>& seen) {
  return static_cast<int>(std::count_if(seen.begin(), seen.end(),
                                        [](const std::string& s) { return s != "ok"; }));
}

TEST(FaultyHandlerTest, RateZeroPassesEveryRequestOn) {
  int passed = 0;
  EXPECT_EQ(failures(outcomes({.seed = 7, .rate = 0}, 1000, &passed)), 0);
  EXPECT_EQ(passed, 1000);
}

TEST(FaultyHandlerTest, RateOneFailsEveryRequestWithAnErrorDocument) {
  int passed = 0;
  const auto seen = outcomes({.seed = 7, .rate = 1}, 200, &passed);
  EXPECT_EQ(passed, 0) << "a failed request never reaches the archive";
  EXPECT_EQ(failures(seen), 200);
  // Both kinds of server error a client must retry, about half and half.
  const auto count_503 = std::count(seen.begin(), seen.end(), "503");
  EXPECT_EQ(std::count(seen.begin(), seen.end(), "500") + count_503, 200);
  EXPECT_GT(count_503, 60);
  EXPECT_LT(count_503, 140);

  const api::ResourceHandler handler =
      with_faults([](const api::ApiRequest&) { return api::ApiResponse{}; }, {.rate = 1});
  bool saw_503 = false, saw_500 = false;
  for (int i = 0; i < 50 && !(saw_503 && saw_500); ++i) {
    const api::ApiResponse response = handler(api::ApiRequest{});
    EXPECT_NE(response.body.find("<Error "), std::string::npos) << response.body;
    const std::string code = std::to_string(static_cast<unsigned>(response.status));
    EXPECT_NE(response.body.find("StatusCode=\"" + code + "\""), std::string::npos)
        << response.body;
    const bool retry_after =
        std::any_of(response.headers.begin(), response.headers.end(),
                    [](const auto& h) { return h.first == "Retry-After" && h.second == "1"; });
    if (response.status == http::status::service_unavailable) {
      saw_503 = true;
      EXPECT_TRUE(retry_after) << "a 503 says when to come back";
    } else {
      saw_500 = true;
      EXPECT_EQ(response.status, http::status::internal_server_error);
      EXPECT_FALSE(retry_after);
    }
  }
  EXPECT_TRUE(saw_503 && saw_500);
}

TEST(FaultyHandlerTest, ARateFailsAboutThatShareTheSameWayForTheSameSeed) {
  const auto first = outcomes({.seed = 42, .rate = 0.3}, 2000);
  EXPECT_NEAR(failures(first), 600, 100);
  EXPECT_EQ(outcomes({.seed = 42, .rate = 0.3}, 2000), first) << "same seed, same failures";
  const auto other = outcomes({.seed = 43, .rate = 0.3}, 2000);
  EXPECT_NE(other, first);
  EXPECT_NEAR(failures(other), 600, 100);
  // A higher rate fails the same requests and more.
  const auto more = outcomes({.seed = 42, .rate = 0.6}, 2000);
  for (std::size_t i = 0; i < first.size(); ++i) {
    if (first[i] != "ok") {
      EXPECT_EQ(more[i], first[i]) << i;
    }
  }
  EXPECT_GT(failures(more), failures(first));
}

TEST(FaultyHandlerTest, ConcurrentRequestsMeetAsManyFailuresAsSequentialOnes) {
  const FaultOptions options{.seed = 5, .rate = 0.25};
  const int expected = failures(outcomes(options, 2000));
  const api::ResourceHandler handler =
      with_faults([](const api::ApiRequest&) { return api::ApiResponse{}; }, options);
  std::atomic<int> failed = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        if (handler(api::ApiRequest{}).status != http::status::ok) ++failed;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failed, expected);
}

}  // namespace
}  // namespace emarchive::sim
