#include "api/server.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "api/access_log.h"
#include "api/bounded_pool.h"
#include "api/connection.h"
#include "api/connection_registry.h"
#include "api/listener.h"
#include "api/router.h"

namespace emarchive::api {
namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;
using boost::system::error_code;

std::string host_port(const std::string& host, std::uint16_t port) {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

// Hands the access log's lines to its sink every AccessLog::kFlushInterval, until the io_context
// stops.
void flush_log_every_interval(net::steady_timer& timer, AccessLog& log) {
  timer.expires_after(AccessLog::kFlushInterval);
  timer.async_wait([&timer, &log](error_code ec) {
    if (ec) return;
    log.flush();
    flush_log_every_interval(timer, log);
  });
}

}  // namespace

unsigned io_thread_count(const ServerOptions& options) {
  if (options.threads) return options.threads;
  return std::max(1u, std::thread::hardware_concurrency());
}

// Member order is destruction order reversed: the io_contexts go before what their pending
// handlers (connections) refer to, and the listener before the io_contexts it uses.
struct Server::Impl {
  Impl(ServerOptions options_in, ResourceHandler resources_in, ResourceHandler pages_in)
      : options(std::move(options_in)),
        resources(std::move(resources_in)),
        pages(std::move(pages_in)),
        auth(options.users, options.clock, options.require_token, options.logon_limits),
        log(options.access_log) {}

  ServerOptions options;
  ResourceHandler resources;
  ResourceHandler pages;
  Authenticator auth;
  AccessLog log;
  ConnectionRegistry registry;
  std::optional<Router> router;
  std::optional<ssl::context> tls;
  std::optional<ConnectionContext> context;
  // One per thread, each run by that thread alone (see start()), and kept running while it has
  // nothing to do (a thread's io_context may have no connection yet). The first accepts
  // connections and flushes the access log; the others serve the connections given to them.
  std::vector<std::unique_ptr<net::io_context>> ios;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> keep_running;
  // Their queued tasks hold connections, whose sockets need the io_contexts: destroyed first.
  std::optional<BoundedPool> password_pool;
  std::optional<BoundedPool> page_pool;
  std::optional<BoundedPool> query_pool;
  // Flushes the access log; destroyed before the io_context it runs on (the first).
  std::optional<net::steady_timer> log_timer;
  std::optional<Listener> listener;
  std::vector<std::thread> threads;
  std::mutex lifecycle;
  bool started = false;
  bool stopped = false;
};

Server::Server(ServerOptions options, ResourceHandler resources, ResourceHandler pages)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(resources), std::move(pages))) {}

Server::~Server() {
  stop();
}

Expected<Endpoint> Server::start() {
  Impl& s = *impl_;
  std::lock_guard lock(s.lifecycle);
  if (s.started) return Error{"server already started"};
  const ServerOptions& options = s.options;
  const std::string where = host_port(options.host, options.port);
  auto cannot_listen = [&](std::string_view why) {
    return Error{"cannot listen on " + where + ": " + std::string(why)};
  };

  std::string public_url;
  if (!options.public_url.empty()) {
    auto normalized = normalize_public_url(options.public_url);
    if (!normalized) return normalized.error();
    public_url = std::move(*normalized);
  }

  const unsigned threads = io_thread_count(options);
  // An io_context per thread, as nginx runs a process per worker: with one io_context shared by
  // all threads, each completion could wake another thread (a futex and a context switch), which
  // cost a third of the server's CPU time per request (docs/BENCHMARKS.md). A connection stays on
  // the io_context it was accepted for; slow work leaves the I/O threads for the pools below.
  // Accepting has a thread of its own, so that one busy with a request never holds up new
  // connections. (A start() that failed may have made them already.)
  while (s.ios.size() < threads + 1) {
    s.ios.push_back(std::make_unique<net::io_context>(1));
    s.keep_running.push_back(net::make_work_guard(*s.ios.back()));
  }

  error_code ec;
  tcp::resolver resolver(*s.ios.front());
  const auto resolved = resolver.resolve(options.host, std::to_string(options.port),
                                         tcp::resolver::numeric_service, ec);
  if (ec || resolved.empty()) return cannot_listen(ec ? ec.message() : "host not found");
  const tcp::endpoint endpoint = resolved.begin()->endpoint();
  if (!endpoint.address().is_loopback() && !options.users) {
    return cannot_listen(
        "not a loopback address, and no users file: anyone who can reach the port could read "
        "the archive. Give a users file (--users), or listen on 127.0.0.1");
  }
  if (!endpoint.address().is_loopback() && public_url.empty() && options.allowed_hosts.empty()) {
    return cannot_listen(
        "not a loopback address, and neither a public URL nor allowed hosts: Hrefs would carry "
        "whatever Host header a client sends. Give --public-url URL or --allowed-host NAME");
  }

  if (options.tls_certificate_file.empty() != options.tls_private_key_file.empty()) {
    return Error{"cannot load TLS: give both a certificate file and a private key file"};
  }
  if (!options.tls_certificate_file.empty()) {
    auto& tls = s.tls.emplace(ssl::context::tls_server);
    tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                        ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                        ssl::context::single_dh_use,
                    ec);
    if (!ec) tls.use_certificate_chain_file(options.tls_certificate_file.string(), ec);
    if (ec) {
      return Error{"cannot load TLS certificate " + options.tls_certificate_file.string() + ": " +
                   ec.message()};
    }
    tls.use_private_key_file(options.tls_private_key_file.string(), ssl::context::pem, ec);
    if (ec) {
      return Error{"cannot load TLS private key " + options.tls_private_key_file.string() + ": " +
                   ec.message()};
    }
  }

  const ResourceHandler pages = s.pages;  // shares the handler's state (the dashboard's)
  s.router.emplace(s.auth, std::move(s.resources), std::move(public_url), options.allowed_hosts,
                   std::move(s.pages), system_now, options.metrics);
  auto& password_pool = s.password_pool.emplace(options.hash_threads, options.hash_queue);
  auto& page_pool = s.page_pool.emplace(options.page_threads, options.page_queue);
  auto& query_pool = s.query_pool.emplace(options.query_threads ? options.query_threads : threads,
                                          options.query_queue);
  const ConnectionLimits limits{.header_limit = options.header_limit,
                                .body_limit = options.body_limit,
                                .read_timeout = options.read_timeout,
                                .max_connections = options.max_connections,
                                .max_connections_per_address = options.max_connections_per_address,
                                .busy_idle_timeout = options.busy_idle_timeout,
                                .response_delay = options.response_delay};
  s.context.emplace(ConnectionContext{limits, *s.router, s.registry, s.log,
                                      s.tls ? &*s.tls : nullptr, password_pool, page_pool,
                                      query_pool, options.http_metrics});
  std::vector<net::io_context*> connection_ios;
  for (std::size_t i = 1; i < s.ios.size(); ++i) connection_ios.push_back(s.ios[i].get());
  auto& listener = s.listener.emplace(*s.ios.front(), std::move(connection_ios), *s.context);
  if (auto open_ec = listener.open(endpoint)) return cannot_listen(open_ec.message());
  const tcp::endpoint bound = listener.local_endpoint();

  listener.start();
  s.log_timer.emplace(*s.ios.front());
  flush_log_every_interval(*s.log_timer, s.log);
  s.threads.reserve(s.ios.size());
  try {
    for (const auto& io_pointer : s.ios) {
      s.threads.emplace_back([&io = *io_pointer, &log = s.log] {
        // A handler that throws (only std::bad_alloc and bugs can) costs its connection, not
        // the thread: run() is re-entered and the pool stays whole.
        for (;;) {
          try {
            io.run();
            return;
          } catch (const std::exception& e) {
            log.write(std::string("- - - 500 0 0.0ms internal error: ") + e.what());
          }
        }
      });
    }
  } catch (const std::system_error& e) {
    // The system refused a thread (a low `ulimit -v`): those started stop, not abort the process.
    for (const auto& io : s.ios) io->stop();
    for (std::thread& thread : s.threads) thread.join();
    s.threads.clear();
    return Error{"cannot start the server's threads: " + std::string(e.what())};
  }
  if (options.warm_pages) {
    // What they answer is thrown away: what is kept is what they read (their own state).
    page_pool.try_post([pages, render = options.metrics.render, &log = s.log] {
      ApiRequest overview;
      overview.target = overview.path = "/";
      try {
        if (pages) pages(overview);
        if (render) render();
      } catch (const std::exception& e) {
        log.write(std::string("- - - 500 0 0.0ms internal error warming the pages: ") + e.what());
      }
    });
  }
  s.started = true;
  return Endpoint{bound.address().to_string(), bound.port()};
}

void Server::stop() {
  Impl& s = *impl_;
  std::lock_guard lock(s.lifecycle);
  if (!s.started || s.stopped) return;
  s.stopped = true;
  s.listener->close();
  s.registry.drain_all();
  s.registry.wait_empty_until(std::chrono::steady_clock::now() + s.options.drain_timeout);
  // Whatever is left past the deadline is dropped: its handlers are destroyed with the
  // io_context, closing the sockets.
  s.keep_running.clear();
  for (const auto& io : s.ios) io->stop();
  for (std::thread& thread : s.threads) thread.join();
  s.threads.clear();
  s.password_pool->stop();
  s.page_pool->stop();
  s.query_pool->stop();
  s.log.flush();
}

std::size_t Server::open_connections() const {
  return impl_->registry.serving() + impl_->registry.refusing();
}

}  // namespace emarchive::api
