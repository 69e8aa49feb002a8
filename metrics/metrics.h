#pragma once
// Prometheus metrics: counters, gauges and histograms with labels, kept in a Registry and
// rendered in the Prometheus text exposition format 0.0.4 (docs/METRICS.md lists every metric
// emarchive exports).
//
//   metrics::Registry registry;
//   auto& requests = registry.counter("emarchive_http_requests_total", "HTTP requests answered",
//                                     {"method", "route", "code"});
//   metrics::Counter& ok = requests.with({"GET", "query", "200"});  // keep it: lookups lock
//   ok.inc();                                                        // lock-free
//   std::string text = registry.render();
//
// Thread safety: everything may be called from any thread. Updating a Counter, Gauge or
// Histogram is a few relaxed atomic operations; Family::with() takes the family's mutex, so code
// on a hot path looks a child up once and keeps the reference (children live as long as the
// registry). Names and label names are the caller's promise (Prometheus' [a-zA-Z_:][a-zA-Z0-9_:]*);
// label values may hold anything and are escaped when rendered.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/text_writer.h"

namespace emarchive::metrics {

// Goes up only (Prometheus "counter"; names end in _total).
class Counter {
 public:
  void inc(double amount = 1);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Any value ("gauge").
class Gauge {
 public:
  void set(double value) { value_.store(value, std::memory_order_relaxed); }
  void add(double amount);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Observations counted in cumulative buckets, with their sum and count ("histogram").
class Histogram {
 public:
  // `bounds`: the upper bounds of the buckets, ascending; +Inf is implied.
  explicit Histogram(std::vector<double> bounds);
  void observe(double value);

  const std::vector<double>& bounds() const { return bounds_; }
  // Observations <= bounds()[i] (cumulative), for i < bounds().size(); then the total count.
  std::vector<std::uint64_t> cumulative_counts() const;
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // per bucket, +Inf last; not cumulative
  std::atomic<double> sum_{0};
};

// Bucket bounds for request latencies in seconds: 1 ms to 10 s.
std::vector<double> latency_buckets();

// One metric name with its children, one per combination of label values.
template <class T>
class Family {
 public:
  using Factory = std::function<std::unique_ptr<T>()>;
  Family(std::string name, std::string help, std::vector<std::string> label_names, Factory make)
      : name_(std::move(name)),
        help_(std::move(help)),
        label_names_(std::move(label_names)),
        make_(std::move(make)) {}

  // The child for these label values (one per label name, in order), created at zero on first
  // use. The reference stays valid as long as the family.
  T& with(const std::vector<std::string>& values) {
    std::lock_guard lock(mutex_);
    auto& child = children_[values];
    if (!child) child = make_();
    return *child;
  }

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& label_names() const { return label_names_; }

  // Calls `visit(values, child)` for each child, in label-value order, under the family's lock.
  template <class Visit>
  void for_each(Visit visit) const {
    std::lock_guard lock(mutex_);
    for (const auto& [values, child] : children_) visit(values, *child);
  }

 private:
  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
  Factory make_;
  mutable std::mutex mutex_;
  std::map<std::vector<std::string>, std::unique_ptr<T>> children_;
};

// Families and collectors (metrics computed when scraped), rendered in registration order.
class Registry {
 public:
  Family<Counter>& counter(std::string name, std::string help,
                           std::vector<std::string> label_names = {});
  Family<Gauge>& gauge(std::string name, std::string help,
                       std::vector<std::string> label_names = {});
  Family<Histogram>& histogram(std::string name, std::string help, std::vector<double> bounds,
                               std::vector<std::string> label_names = {});

  // `collect` writes families of its own on each render() (e.g. values read from the archive or
  // from a server's state). It runs on the rendering thread, and must outlive the registry's
  // last render().
  void add_collector(std::function<void(TextWriter&)> collect);

  // The text exposition of everything registered. Thread-safe.
  std::string render() const;

 private:
  template <class T>
  Family<T>& add(std::unique_ptr<Family<T>> family, void (*write)(TextWriter&, const Family<T>&));

  mutable std::mutex mutex_;  // guards the lists below, not the families' values
  std::vector<std::shared_ptr<const void>> owned_;  // the families
  // What render() writes, in registration order: each family's writer, or a collector.
  std::vector<std::function<void(TextWriter&)>> order_;
};

// The content type of render()'s text.
inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace emarchive::metrics
