#pragma once
// A value or an error: how model/, storage/ and ingest/ report what data and networks do wrong
// (malformed XML, a bad timestamp, a locked database). Exceptions are kept for bugs and start-up.

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace emarchive {

// What kind of failure an Error is, for callers that act on it (retry when busy, answer 503, stop
// quietly when stopped); the message says the rest.
enum class ErrorCode {
  invalid_input,  // malformed data or arguments: XML, a timestamp, a filter, a URL, a file's text
  not_found,      // the thing named does not exist (a run, a record, a file)
  busy,           // the database is locked by another connection: trying again later can succeed
  corrupt,        // the database is damaged or not a database, or its rows cannot be read back
  io,             // reading or writing a file failed (disk full, permissions, cannot open)
  network,        // a connection failed, timed out or was dropped, or a server answered an error
  tls,            // a TLS handshake failed (a certificate refused)
  auth,           // credentials were refused
  stopped,        // the caller asked to stop before the end
  internal,       // anything else: a bug, or a failure no other code describes
};

// Error{message, code}; the message comes first so that a failure no code describes better
// (a server that is already started) reads Error{"..."}.
struct Error {
  std::string message;  // complete and user-facing: names the input, where in it, and why
  ErrorCode code = ErrorCode::internal;
};

template <class T>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Expected(Error error) : v_(std::in_place_index<1>, std::move(error)) {}

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & {
    assert(has_value());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(has_value());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(has_value());
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const {
    assert(!has_value());
    return std::get<1>(v_);
  }

 private:
  std::variant<T, Error> v_;
};

// For operations that return nothing on success.
struct Ok {};
using Status = Expected<Ok>;

}  // namespace emarchive
