#pragma once
// The dashboard's stylesheet and icon, compiled in: served from /dashboard/, nothing to install.

#include <string_view>

namespace emarchive::dashboard {

extern const std::string_view kStylesheet;  // text/css
extern const std::string_view kIcon;        // image/svg+xml

}  // namespace emarchive::dashboard
