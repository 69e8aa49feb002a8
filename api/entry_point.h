#pragma once
// The EnterpriseManager document EM serves at GET /api/ to anyone, before logon: where to log on
// and which API versions exist (docs/EM-API.md, section 2).

#include "api/resource_handler.h"

namespace emarchive::api {

// 200 with the EnterpriseManager document; every Href starts with request.origin. The versions
// listed are those the 13.x docs show (v1_5, v1_6, v1_7): emarchive accepts any `v` on logon, so
// the list only tells clients which version names to ask for.
ApiResponse entry_point_response(const ApiRequest& request);

}  // namespace emarchive::api
