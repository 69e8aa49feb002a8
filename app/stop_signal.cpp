#include "app/stop_signal.h"

#include <pthread.h>

#include <cstdlib>

namespace emarchive::app {
namespace {

// Ends the process as `signal`'s disposition when the program started would have: the default
// action kills it, an ignored signal does nothing. Runs on the thread that took the signal.
void act_as_inherited(int signal, const struct sigaction& inherited) {
  if (inherited.sa_handler == SIG_IGN) return;
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  sigaction(signal, &default_action, nullptr);
  sigset_t just_this;
  sigemptyset(&just_this);
  sigaddset(&just_this, signal);
  pthread_sigmask(SIG_UNBLOCK, &just_this, nullptr);
  raise(signal);
  std::_Exit(128 + signal);  // not reached: SIGINT's and SIGTERM's default action ends the process
}

}  // namespace

StopSignal::StopSignal() {
  sigemptyset(&signals_);
  sigaddset(&signals_, SIGINT);
  sigaddset(&signals_, SIGTERM);
  sigaction(SIGINT, nullptr, &inherited_int_);
  sigaction(SIGTERM, nullptr, &inherited_term_);
  pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
  taker_ = std::thread([this] { take_signals(); });
}

StopSignal::~StopSignal() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
  }
  pthread_kill(taker_.native_handle(), SIGTERM);  // taken by the taker's sigwait() alone
  taker_.join();
}

void StopSignal::take_signals() {
  while (true) {
    int signal = 0;
    if (sigwait(&signals_, &signal) != 0) continue;
    std::unique_lock lock(mutex_);
    if (closing_) return;
    if (!watched_) {
      lock.unlock();
      act_as_inherited(signal, signal == SIGINT ? inherited_int_ : inherited_term_);
      continue;
    }
    if (requested_ != 0) std::_Exit(128 + signal);
    requested_ = signal;
    requested_changed_.notify_all();
  }
}

void StopSignal::watch() {
  std::lock_guard lock(mutex_);
  watched_ = true;
}

int StopSignal::requested() const {
  std::lock_guard lock(mutex_);
  return requested_;
}

int StopSignal::wait() const {
  std::unique_lock lock(mutex_);
  requested_changed_.wait(lock, [this] { return requested_ != 0; });
  return requested_;
}

int StopSignal::wait_for(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  requested_changed_.wait_for(lock, timeout, [this] { return requested_ != 0; });
  return requested_;
}

}  // namespace emarchive::app
