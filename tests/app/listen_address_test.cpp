#include "app/listen_address.h"

#include <gtest/gtest.h>

namespace emarchive::app {
namespace {

TEST(ListenAddressTest, AcceptsHostPortAndBracketedIpv6) {
  auto v4 = parse_listen_address("127.0.0.1:9399");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 9399);
  auto v6 = parse_listen_address("[::1]:0");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 0);
  auto name = parse_listen_address("localhost:8080");
  ASSERT_TRUE(name);
  EXPECT_EQ(name->host, "localhost");
}

TEST(ListenAddressTest, RefusesWhatIsNotHostPort) {
  for (const char* bad : {"localhost", ":9399", "::1:9399", "[::1:9399", "host:", "host:65536",
                          "host:12x", "host:-1"}) {
    auto parsed = parse_listen_address(bad);
    EXPECT_FALSE(parsed) << bad;
    if (!parsed) {
      EXPECT_NE(parsed.error().message.find(bad), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace emarchive::app
