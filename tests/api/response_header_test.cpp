// The header of an answer sent whole is the bytes Beast's serializer writes for it.

#include "api/response_header.h"

#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include <boost/beast/http/write.hpp>

namespace emarchive::api {
namespace {

namespace http = boost::beast::http;
using Response = http::response<http::string_body>;

// What Beast's serializer writes for `response`, and what the connection writes: the header,
// then the body.
void expect_as_beast_writes(Response response) {
  std::ostringstream beast;
  beast << response;
  std::string ours;
  serialize_header(response, ours);
  EXPECT_EQ(ours + response.body(), beast.str());
}

Response answer(http::status status, unsigned version, std::string body) {
  Response response(status, version);
  response.set(http::field::content_type, "application/xml; charset=utf-8");
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

TEST(ResponseHeaderTest, IsWhatBeastWritesForEveryShapeOfAnswer) {
  expect_as_beast_writes(answer(http::status::ok, 11, "<Stub />"));
  expect_as_beast_writes(answer(http::status::ok, 10, "<Stub />"));
  expect_as_beast_writes(answer(http::status::not_found, 11, "<Error />"));

  Response closing = answer(http::status::service_unavailable, 11, "<Error />");
  closing.set(http::field::retry_after, "1");
  closing.keep_alive(false);
  expect_as_beast_writes(closing);

  Response kept = answer(http::status::ok, 10, "<Stub />");
  kept.keep_alive(true);  // HTTP/1.0 keep-alive: a Connection field
  expect_as_beast_writes(kept);

  Response head = answer(http::status::ok, 11, "<Stub />");
  head.body().clear();  // HEAD: GET's Content-Length, no body
  expect_as_beast_writes(head);

  Response no_content(http::status::no_content, 11);
  expect_as_beast_writes(no_content);

  Response reason = answer(http::status::ok, 11, "{}");
  reason.reason("Fine");
  reason.insert("X-RestSvcSessionId", "token");
  reason.insert("Set-Cookie", "a=1");
  reason.insert("Set-Cookie", "b=2");
  expect_as_beast_writes(reason);
}

}  // namespace
}  // namespace emarchive::api
