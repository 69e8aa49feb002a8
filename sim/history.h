#pragma once
// A synthetic EM history, so that emarchive can be served, ingested and demonstrated without an
// EM (docs/ARCHITECTURE.md, "The simulator"): backup servers, jobs, and their nightly job and task
// sessions, retries and restores, in EM's entity representations.
//
// The history is a pure function of (options, now). Each session is derived from the seed and
// the UTC day it belongs to only, never from how many days are generated, so a later `now` shows
// the same finished sessions as an earlier one, plus the sessions started since and the running
// ones finished: what an ingester polling a real EM would see.

#include <cstdint>
#include <functional>
#include <vector>

#include "model/em_time.h"
#include "model/record.h"

namespace emarchive::sim {

struct HistoryOptions {
  std::uint64_t seed = 1;
  int days = 30;  // the history starts at 00:00 UTC `days` days before the day of `now`; >= 0
  int jobs = 8;   // number of jobs, spread over 1-3 backup servers (count derived from seed); >= 1
  int vms = 40;   // VMs (or machines, shares), each protected by one job; >= 0
};

// Calls `sink` with the records of the history as it stands at `now`, one batch at a time so that
// memory stays bounded by one day of sessions whatever the length of the history:
//
// - first batch: the backup servers, then the jobs (Job NextRun is the first run after `now`);
// - then one batch per UTC day, oldest first, holding the sessions created that day in
//   creation-time order, so that the whole stream is in creation-time order (a job session comes
//   before its tasks; a late run's tasks and retry may fall into the next day's batch).
//
// Results agree as VBR reports them: a task session ends Success, Warning (with a Reason) or
// Failed (with a Reason); a job run with a failed task is followed by one retry (IsRetry true) of
// the failed VMs, about ten minutes after it ends. A job session's Result is Failed when one of its
// tasks failed and no retry recovered it (a retry's own failures are final), Warning when a task
// warned or failed and was recovered by the retry, Success otherwise; it is final once the session
// ends, even while the retry is still to come. Failed and Warning job sessions carry a
// FailureMessage: the Reason of their first task (by creation time) with the worst result among
// their tasks; Success and running ones have none.
//
// Every record carries only its entity form (the api derives the reference form) and an empty
// origin; Hrefs are stored without origin. Sessions starting after `now` are not emitted; those
// started but not finished are running: no EndTimeUTC, State Working (job, restore) or InProgress
// (task), Result None, Progress below 100, no Related restore-point link.
//
// Deterministic: the same options and `now` give the same records byte for byte, on every
// platform (no std distributions, whose results are implementation-defined).
// Preconditions: options.days >= 0, options.jobs >= 1, options.vms >= 0 (asserted).
void generate(const HistoryOptions& options, EmTime now,
              const std::function<void(std::vector<Record>&&)>& sink);

// The same stream without the days before the UTC day holding `since`: the first batch (servers
// and jobs), then the day batches from that day on, byte for byte those generate() gives, since
// each day depends only on the options and `now`. For refreshing a stored history: see
// changeable_since(). `stopped`, when given, is asked before each day: once it answers true,
// no further day is generated (a simulator told to stop does not generate a year it will not
// store).
void generate(const HistoryOptions& options, EmTime now, EmTime since,
              const std::function<void(std::vector<Record>&&)>& sink,
              const std::function<bool()>& stopped = {});

// 00:00 UTC of the first day whose batch can differ between the history at `earlier` and the
// history at any later instant, for the same options: the day before the one holding `earlier`.
// Every session lasts less than a day, so a session still running at `earlier` was created that
// day or the day before; earlier days hold only finished sessions, which never change. (Jobs, in
// the first batch, change too: their NextRun.)
EmTime changeable_since(EmTime earlier);

}  // namespace emarchive::sim
