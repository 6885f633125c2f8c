#include "run/interrupt.h"

#include <pthread.h>
#include <signal.h>

#include <ctime>

namespace cnfctl::run {
namespace {

sigset_t interrupt_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

InterruptWatch::InterruptWatch(std::function<void()> on_signal) : on_signal_(std::move(on_signal)) {
  const sigset_t set = interrupt_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  thread_ = std::thread([this, set] {
    const timespec tick{0, 100'000'000};  // checks stop_ ten times a second
    while (!stop_.load()) {
      int sig = sigtimedwait(&set, nullptr, &tick);
      if (sig > 0) {
        signal_.store(sig);
        if (on_signal_) on_signal_();
      }
    }
  });
}

InterruptWatch::~InterruptWatch() {
  stop_.store(true);
  thread_.join();
  const sigset_t set = interrupt_signals();
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

}  // namespace cnfctl::run
