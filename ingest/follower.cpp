#include "ingest/follower.h"

#include <algorithm>
#include <set>
#include <thread>
#include <utility>

namespace emarchive::ingest {

struct Follower::Source {
  FollowedSource config;
  std::unique_ptr<HttpClient> http;
  std::optional<EmClient> em;
  SourceOutcome outcome;
};

namespace {

// "5m", "90s", "1500ms": an interval as the configuration would write it.
std::string interval_text(std::chrono::milliseconds interval) {
  const auto ms = interval.count();
  if (ms % 60000 == 0) return std::to_string(ms / 60000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

}  // namespace

std::string describe(const TypeProgress& p) {
  std::string line = std::string(p.type) + ": ";
  if (p.observations) {
    line += std::to_string(p.records) + (p.records == 1 ? " resource (" : " resources (");
  } else {
    line += std::to_string(p.pages) + (p.pages == 1 ? " page, " : " pages, ") +
            std::to_string(p.records) + " records (";
  }
  return line + std::to_string(p.records_new) + " new, " + std::to_string(p.records_updated) +
         " updated, " + std::to_string(p.records_unchanged) + " unchanged)";
}

Expected<std::unique_ptr<Follower>> Follower::create(std::vector<FollowedSource> sources,
                                                     FollowerOptions options) {
  if (sources.empty()) return Error{"no source to follow", ErrorCode::invalid_input};
  std::set<std::string, std::less<>> names;
  std::vector<std::unique_ptr<Source>> prepared;
  for (FollowedSource& config : sources) {
    const std::string name = config.name;
    if (name.empty()) return Error{"a source has no name", ErrorCode::invalid_input};
    if (!names.insert(name).second) {
      return Error{"source " + name + ": the name is used twice", ErrorCode::invalid_input};
    }
    if (config.interval < options.min_interval) {
      return Error{"source " + name + ": interval " + interval_text(config.interval) +
                       " is under " + interval_text(options.min_interval) +
                       ", which every run's logon, queries and logoff on EM need as a pause",
                   ErrorCode::invalid_input};
    }
    auto source = std::make_unique<Source>();
    source->config = std::move(config);
    source->outcome.name = name;
    prepared.push_back(std::move(source));
  }
  std::unique_ptr<Follower> follower(new Follower(std::move(prepared), std::move(options)));
  // The clients log and sleep through the follower, so they are made once it exists.
  for (auto& source : follower->sources_) {
    HttpClientOptions http = source->config.http;
    Follower* self = follower.get();
    const std::string name = source->config.name;
    http.sleep = [self](std::chrono::milliseconds delay) { self->wait_stop(delay); };
    http.log = [self, name](std::string_view line) {
      self->options_.logger->write(log::Level::warning, name, line);
    };
    if (self->options_.metrics) http.observe = self->options_.metrics->em_request_observer(name);
    auto client = HttpClient::create(std::move(http));
    if (!client) {
      return Error{"source " + name + ": " + client.error().message, ErrorCode::invalid_input};
    }
    source->http = std::move(*client);
    source->em.emplace(*source->http, source->config.credentials);
  }
  return follower;
}

Follower::Follower(std::vector<std::unique_ptr<Source>> sources, FollowerOptions options)
    : sources_(std::move(sources)), options_(std::move(options)) {}

Follower::~Follower() = default;

std::vector<SourceOutcome> Follower::run() {
  std::vector<std::thread> threads;
  threads.reserve(sources_.size());
  for (auto& source : sources_) threads.emplace_back([this, &source] { follow(*source); });
  for (std::thread& thread : threads) thread.join();
  std::vector<SourceOutcome> outcomes;
  for (auto& source : sources_) outcomes.push_back(std::move(source->outcome));
  return outcomes;
}

void Follower::stop() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_changed_.notify_all();
}

bool Follower::stopping() const {
  const std::lock_guard lock(mutex_);
  return stopping_;
}

bool Follower::wait_stop(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return stop_changed_.wait_for(lock, timeout, [this] { return stopping_; });
}

void Follower::follow(Source& source) {
  const log::Logger& logger = *options_.logger;
  const std::string& name = source.config.name;
  const auto interval = source.config.interval;
  const std::string origin = source.http->origin();
  const std::string detail = name + ": " + origin + " as " + source.config.credentials.user;

  IngestOptions options = source.config.ingest;
  options.now = options_.now;
  options.stop = [this] { return stopping(); };
  options.metrics = options_.metrics;
  options.source_name = name;
  options.log = [&](std::string_view line) { logger.write(log::Level::warning, name, line); };
  options.progress = [&](const TypeProgress& p) {
    if (!p.done) return;
    logger.write(log::Level::info, name, describe(p),
                 {{"type", p.type},
                  {"records", p.records},
                  {"records_new", p.records_new},
                  {"records_updated", p.records_updated},
                  {"records_unchanged", p.records_unchanged}});
  };

  std::unique_ptr<storage::Archive> archive;
  logger.write(log::Level::info, name, "following " + origin + " every " + interval_text(interval));
  while (!stopping()) {
    const auto started = std::chrono::steady_clock::now();
    // Opened (again) at a run's start, so that an archive that could not be opened (locked
    // past the busy timeout, a full disk) is tried again on the schedule like EM is.
    if (!archive) {
      auto opened = options_.open_archive();
      if (opened) {
        archive = std::move(*opened);
      } else {
        logger.write(log::Level::error, name, opened.error().message);
      }
    }
    if (archive) {
      if (Status named = archive->name_source(origin, name, options_.now()); !named) {
        logger.write(log::Level::error, name, named.error().message);
      }
      ++source.outcome.runs;
      IngestResult result = ingest_once(*archive, *source.em, detail, options);
      const storage::RunCounts& c = result.counts;
      if (result.fatal_error && result.fatal_error->code == ErrorCode::stopped) {
        source.outcome.stopped_during_run = true;
        logger.write(log::Level::info, name,
                     "stopped during a run; what it stored stays, and the next run goes on "
                     "from there");
        break;
      }
      const log::Level level = result.fatal_error ? log::Level::error
                               : c.rejected > 0   ? log::Level::warning
                                                  : log::Level::info;
      std::string message = result.fatal_error ? "run failed: " + result.fatal_error->message
                                               : std::string("run finished");
      message += "; " + std::to_string(c.documents) + " documents, " +
                 std::to_string(c.records_new) + " records new, " +
                 std::to_string(c.records_updated) + " updated, " +
                 std::to_string(c.records_unchanged) + " unchanged, " + std::to_string(c.rejected) +
                 " rejected; next run in " + interval_text(interval);
      logger.write(level, name, message,
                   {{"documents", c.documents},
                    {"rejected", c.rejected},
                    {"records_new", c.records_new},
                    {"records_updated", c.records_updated},
                    {"records_unchanged", c.records_unchanged},
                    {"errors", static_cast<std::int64_t>(result.errors.size())}});
      if (options_.after_run) options_.after_run(*archive, name);
      if (result.fatal_error) ++source.outcome.failed_runs;
      source.outcome.last = std::move(result);
    }
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    if (wait_stop(std::max(interval - elapsed, std::chrono::milliseconds(0)))) break;
  }
  logger.write(log::Level::info, name, "stopped");
}

}  // namespace emarchive::ingest
