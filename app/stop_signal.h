#pragma once
// SIGINT and SIGTERM for the whole program: main() owns one StopSignal and hands it to every
// command; nothing else in the program handles signals (api/'s server, the ingester and the
// simulator have stop entries the commands call instead).
//
//   int main(...) {
//     emarchive::app::StopSignal stop;  // before any other thread starts
//     ...
//     return run(stop);
//   }
//   int run_serve(..., StopSignal& stop) {
//     stop.watch();                     // a signal now asks to stop
//     server.start(); ...
//     stop.wait();                      // the first SIGINT or SIGTERM
//     server.stop();                    // graceful drain; a second signal ends the process
//   }
//
// Until a command calls watch(), a signal does what it would by default: it ends the process
// (Ctrl-C at ingest's password prompt), or nothing if the process was started with it ignored.
// Once watched, the first signal asks to stop: requested() returns it and wait() and wait_for()
// return, and the command stops gracefully. A second one ends the process at once with exit code
// 128 + the signal, as a shell reports a process a signal killed: for a graceful stop that takes
// too long (an EM that does not answer, a drain waiting for a slow client, a long populate).
// Nothing is flushed then but what the command flushed itself.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <signal.h>

namespace emarchive::app {

class StopSignal {
 public:
  // Blocks SIGINT and SIGTERM in the calling thread, so that every thread started after inherits
  // the mask, and starts the one thread that takes them. Construct before any other thread
  // starts: a thread that does not block them could take a signal and die of it. At most one
  // StopSignal per process.
  StopSignal();
  ~StopSignal();
  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;

  // From now on the first signal asks to stop and the second ends the process. Idempotent.
  void watch();

  // The signal that asked to stop; 0 for none yet.
  int requested() const;
  // Blocks until a signal asks to stop; returns it.
  int wait() const;
  // Blocks until a signal asks to stop or `timeout` passes; returns the signal, or 0.
  int wait_for(std::chrono::milliseconds timeout) const;

  // Every member function is thread-safe.

 private:
  void take_signals();

  sigset_t signals_;
  struct sigaction inherited_int_ {};
  struct sigaction inherited_term_ {};
  mutable std::mutex mutex_;
  mutable std::condition_variable requested_changed_;
  bool watched_ = false;
  int requested_ = 0;
  bool closing_ = false;
  std::thread taker_;  // last: starts once the members it uses exist
};

}  // namespace emarchive::app
