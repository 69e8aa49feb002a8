#pragma once
// --listen HOST:PORT, with IPv6 hosts in brackets ("[::1]:9399").

#include <cstdint>
#include <string>
#include <string_view>

#include "model/expected.h"

namespace emarchive::app {

struct ListenAddress {
  std::string host;
  std::uint16_t port = 0;
};

Expected<ListenAddress> parse_listen_address(std::string_view text);

}  // namespace emarchive::app
