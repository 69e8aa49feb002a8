#pragma once
// What `ingest` counts for the follower's /metrics (docs/METRICS.md), per EM source (its
// scheme://host:port, one per EM followed):
//   emarchive_ingest_runs_total{source,result}               counter; result "ok" or "failed"
//   emarchive_ingest_documents_total{source}                 counter: documents received
//   emarchive_ingest_documents_rejected_total{source}        counter: documents that did not parse
//   emarchive_ingest_records_total{source,outcome}           counter; outcome "new", "updated",
//                                                            "unchanged"
//   emarchive_ingest_errors_total{source}                    counter: errors met in runs
//   emarchive_ingest_last_run_errors{source}                 gauge: errors of the last run
//   emarchive_ingest_last_run_timestamp_seconds{source}      gauge: when the last run ended
//   emarchive_ingest_last_run_duration_seconds{source}       gauge
//   emarchive_ingest_last_success_timestamp_seconds{source}  gauge: when the last run that
//                                                            ended without a failure ended
//   emarchive_em_requests_total{source,method,code}          counter: requests sent to EM, each
//                                                            attempt; code "0" when no answer
//                                                            came (timeout, reset, refused)
//   emarchive_em_request_duration_seconds{source}            histogram
//
// Thread-safe (follow several EMs from several threads into one registry).

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include <boost/beast/http/verb.hpp>

#include "metrics/metrics.h"

namespace emarchive::ingest {

struct IngestResult;

class IngestMetrics {
 public:
  // Seconds since the Unix epoch, now; tests inject their own.
  using UnixClock = std::function<double()>;

  // Registers the families above in `registry`, which must outlive this object.
  explicit IngestMetrics(metrics::Registry& registry, UnixClock clock = {});

  // For HttpClientOptions::observe: counts the requests to the EM named `source`.
  std::function<void(boost::beast::http::verb, unsigned, std::chrono::duration<double>)>
  em_request_observer(std::string source);

  // A run from `source` has ended after `duration`, with `result`.
  void run_finished(std::string_view source, const IngestResult& result,
                    std::chrono::duration<double> duration);

 private:
  UnixClock clock_;
  metrics::Family<metrics::Counter>& runs_;
  metrics::Family<metrics::Counter>& documents_;
  metrics::Family<metrics::Counter>& rejected_;
  metrics::Family<metrics::Counter>& records_;
  metrics::Family<metrics::Counter>& errors_;
  metrics::Family<metrics::Gauge>& last_run_errors_;
  metrics::Family<metrics::Gauge>& last_run_time_;
  metrics::Family<metrics::Gauge>& last_run_duration_;
  metrics::Family<metrics::Gauge>& last_success_time_;
  metrics::Family<metrics::Counter>& em_requests_;
  metrics::Family<metrics::Histogram>& em_durations_;
};

}  // namespace emarchive::ingest
