#pragma once
// Writes the Prometheus text exposition format 0.0.4: a "# HELP" and a "# TYPE" line per family,
// then one line per sample, `name{label="value",...} value`.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace emarchive::metrics {

// Label names and values of one sample, in the order they are written.
using Labels = std::vector<std::pair<std::string_view, std::string_view>>;

class TextWriter {
 public:
  // Starts a family: `type` is "counter", "gauge" or "histogram". `help` is escaped.
  void family(std::string_view name, std::string_view type, std::string_view help);
  // One sample of the current family (`name` carries the _bucket, _sum or _count suffix of a
  // histogram's samples). Label values are escaped.
  void sample(std::string_view name, const Labels& labels, double value);

  // Text already in the format (families another TextWriter wrote).
  void append(std::string_view text) { out_ += text; }

  const std::string& text() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

// A label value with \, " and newline escaped as the format requires.
std::string escape_label_value(std::string_view value);
// HELP text with \ and newline escaped.
std::string escape_help(std::string_view help);
// A sample value: integers exactly ("42", "1764687600"), others with round-trip precision;
// "+Inf", "-Inf" and "NaN" as the format spells them.
std::string format_value(double value);

}  // namespace emarchive::metrics
