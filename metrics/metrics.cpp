#include "metrics/metrics.h"

#include <algorithm>
#include <limits>

namespace emarchive::metrics {
namespace {

template <class T>
void write_simple(TextWriter& out, const Family<T>& family, std::string_view type) {
  out.family(family.name(), type, family.help());
  family.for_each([&](const std::vector<std::string>& values, const T& child) {
    Labels labels;
    for (std::size_t i = 0; i < values.size(); ++i) {
      labels.emplace_back(family.label_names()[i], values[i]);
    }
    out.sample(family.name(), labels, child.value());
  });
}

void write_histogram(TextWriter& out, const Family<Histogram>& family) {
  out.family(family.name(), "histogram", family.help());
  const std::string bucket = family.name() + "_bucket";
  family.for_each([&](const std::vector<std::string>& values, const Histogram& histogram) {
    Labels labels;
    for (std::size_t i = 0; i < values.size(); ++i) {
      labels.emplace_back(family.label_names()[i], values[i]);
    }
    // Read once: a concurrent observe() may land between the loads, so the count written is
    // the +Inf bucket's, keeping _count equal to it as the format requires.
    const auto counts = histogram.cumulative_counts();
    labels.emplace_back("le", "");
    for (std::size_t i = 0; i < counts.size(); ++i) {
      const std::string le =
          i < histogram.bounds().size() ? format_value(histogram.bounds()[i]) : std::string("+Inf");
      labels.back().second = le;
      out.sample(bucket, labels, static_cast<double>(counts[i]));
    }
    labels.pop_back();
    out.sample(family.name() + "_sum", labels, histogram.sum());
    out.sample(family.name() + "_count", labels, static_cast<double>(counts.back()));
  });
}

}  // namespace

void Counter::inc(double amount) {
  value_.fetch_add(amount, std::memory_order_relaxed);
}

void Gauge::add(double amount) {
  value_.fetch_add(amount, std::memory_order_relaxed);
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {}

void Histogram::observe(double value) {
  const auto bucket = static_cast<std::size_t>(
      std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

std::vector<std::uint64_t> Histogram::cumulative_counts() const {
  std::vector<std::uint64_t> counts(bounds_.size() + 1);
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    total += buckets_[i].load(std::memory_order_relaxed);
    counts[i] = total;
  }
  return counts;
}

std::vector<double> latency_buckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

template <class T>
Family<T>& Registry::add(std::unique_ptr<Family<T>> family,
                         void (*write)(TextWriter&, const Family<T>&)) {
  std::lock_guard lock(mutex_);
  Family<T>& added = *family;
  owned_.push_back(std::shared_ptr<Family<T>>(std::move(family)));
  order_.emplace_back([&added, write](TextWriter& out) { write(out, added); });
  return added;
}

Family<Counter>& Registry::counter(std::string name, std::string help,
                                   std::vector<std::string> label_names) {
  return add<Counter>(
      std::make_unique<Family<Counter>>(std::move(name), std::move(help), std::move(label_names),
                                        [] { return std::make_unique<Counter>(); }),
      [](TextWriter& out, const Family<Counter>& family) { write_simple(out, family, "counter"); });
}

Family<Gauge>& Registry::gauge(std::string name, std::string help,
                               std::vector<std::string> label_names) {
  return add<Gauge>(
      std::make_unique<Family<Gauge>>(std::move(name), std::move(help), std::move(label_names),
                                      [] { return std::make_unique<Gauge>(); }),
      [](TextWriter& out, const Family<Gauge>& family) { write_simple(out, family, "gauge"); });
}

Family<Histogram>& Registry::histogram(std::string name, std::string help,
                                       std::vector<double> bounds,
                                       std::vector<std::string> label_names) {
  return add<Histogram>(
      std::make_unique<Family<Histogram>>(
          std::move(name), std::move(help), std::move(label_names),
          [bounds = std::move(bounds)] { return std::make_unique<Histogram>(bounds); }),
      write_histogram);
}

void Registry::add_collector(std::function<void(TextWriter&)> collect) {
  std::lock_guard lock(mutex_);
  order_.push_back(std::move(collect));
}

std::string Registry::render() const {
  std::vector<std::function<void(TextWriter&)>> order;
  {
    std::lock_guard lock(mutex_);
    order = order_;
  }
  TextWriter out;
  for (const auto& write : order) write(out);
  return out.take();
}

}  // namespace emarchive::metrics
