#include "run/interrupt.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <future>

namespace cnfctl::run {
namespace {

bool blocked(int sig) {
  sigset_t now;
  pthread_sigmask(SIG_BLOCK, nullptr, &now);
  return sigismember(&now, sig) == 1;
}

// Each case runs in a child process (a death test forks): a process-directed SIGTERM must find
// every thread blocking it, which a test binary with other threads cannot promise.
TEST(InterruptWatch, ASignalSetsInterruptedAndCallsBackFromItsThread) {
  EXPECT_EXIT(
      {
        std::promise<int> called;
        auto done = called.get_future();
        bool ok = true;
        {
          InterruptWatch watch([&] { called.set_value(1); });
          ok = ok && blocked(SIGTERM) && blocked(SIGINT) && !watch.interrupted();
          ::kill(::getpid(), SIGTERM);
          ok = ok && done.wait_for(std::chrono::seconds(60)) == std::future_status::ready;
          ok = ok && watch.interrupted() && watch.signal() == SIGTERM;
        }
        ok = ok && !blocked(SIGTERM) && !blocked(SIGINT);
        std::_Exit(ok ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

// The destructor wakes the watching thread: without a signal it must still return (a watch that
// only woke on a signal would hang here until the test's timeout).
TEST(InterruptWatch, DestroyedWithoutASignalReturnsAndUnblocks) {
  EXPECT_EXIT(
      {
        bool called = false;
        {
          InterruptWatch watch([&] { called = true; });
        }
        std::_Exit(!called && !blocked(SIGTERM) ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace cnfctl::run
