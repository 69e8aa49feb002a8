#include "ingest/ingest_metrics.h"

#include "ingest/ingester.h"

namespace emarchive::ingest {
namespace {

double system_unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

IngestMetrics::IngestMetrics(metrics::Registry& registry, UnixClock clock)
    : clock_(clock ? std::move(clock) : UnixClock(system_unix_now)),
      runs_(registry.counter("emarchive_ingest_runs_total",
                             "Ingest runs ended, by EM source and result (ok, failed)",
                             {"source", "result"})),
      documents_(registry.counter("emarchive_ingest_documents_total", "Documents received from EM",
                                  {"source"})),
      rejected_(registry.counter("emarchive_ingest_documents_rejected_total",
                                 "Documents received from EM that did not parse", {"source"})),
      records_(
          registry.counter("emarchive_ingest_records_total",
                           "Records stored, by what storing them did (new, updated, unchanged)",
                           {"source", "outcome"})),
      errors_(registry.counter("emarchive_ingest_errors_total",
                               "Errors met by ingest runs (rejected documents, failures)",
                               {"source"})),
      last_run_errors_(registry.gauge("emarchive_ingest_last_run_errors",
                                      "Errors met by the last ingest run", {"source"})),
      last_run_time_(registry.gauge("emarchive_ingest_last_run_timestamp_seconds",
                                    "When the last ingest run ended", {"source"})),
      last_run_duration_(registry.gauge("emarchive_ingest_last_run_duration_seconds",
                                        "How long the last ingest run took", {"source"})),
      last_success_time_(registry.gauge("emarchive_ingest_last_success_timestamp_seconds",
                                        "When the last ingest run that did not fail ended",
                                        {"source"})),
      em_requests_(
          registry.counter("emarchive_em_requests_total",
                           "Requests sent to EM (each attempt), by status code; 0: no answer came",
                           {"source", "method", "code"})),
      em_durations_(registry.histogram("emarchive_em_request_duration_seconds",
                                       "Time EM took to answer a request (each attempt)",
                                       metrics::latency_buckets(), {"source"})) {}

std::function<void(boost::beast::http::verb, unsigned, std::chrono::duration<double>)>
IngestMetrics::em_request_observer(std::string source) {
  metrics::Histogram& durations = em_durations_.with({source});
  return [this, source = std::move(source), &durations](
             boost::beast::http::verb method, unsigned status, std::chrono::duration<double> took) {
    em_requests_
        .with({source, std::string(boost::beast::http::to_string(method)), std::to_string(status)})
        .inc();
    durations.observe(took.count());
  };
}

void IngestMetrics::run_finished(std::string_view source_view, const IngestResult& result,
                                 std::chrono::duration<double> duration) {
  const std::string source(source_view);
  const double now = clock_();
  const bool ok = !result.fatal_error.has_value();
  runs_.with({source, ok ? "ok" : "failed"}).inc();
  documents_.with({source}).inc(static_cast<double>(result.counts.documents));
  rejected_.with({source}).inc(static_cast<double>(result.counts.rejected));
  records_.with({source, "new"}).inc(static_cast<double>(result.counts.records_new));
  records_.with({source, "updated"}).inc(static_cast<double>(result.counts.records_updated));
  records_.with({source, "unchanged"}).inc(static_cast<double>(result.counts.records_unchanged));
  errors_.with({source}).inc(static_cast<double>(result.errors.size()));
  last_run_errors_.with({source}).set(static_cast<double>(result.errors.size()));
  last_run_time_.with({source}).set(now);
  last_run_duration_.with({source}).set(duration.count());
  // Created at the first run so that a source that never succeeded shows 0 (the epoch): an
  // alert on its age fires instead of finding no series.
  metrics::Gauge& last_success = last_success_time_.with({source});
  if (ok) last_success.set(now);
}

}  // namespace emarchive::ingest
