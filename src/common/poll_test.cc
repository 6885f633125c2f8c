#include "common/poll.h"

#include <gtest/gtest.h>

#include <vector>

namespace cnfctl {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, DoublesUpToItsMaximum) {
  Backoff backoff(milliseconds(5), milliseconds(30));
  std::vector<long long> sleeps;
  for (int i = 0; i < 5; ++i) sleeps.push_back(backoff.next().count());
  EXPECT_EQ(sleeps, (std::vector<long long>{5000, 10000, 20000, 30000, 30000}));  // us
}

TEST(Backoff, StartsBelowAMillisecond) {
  Backoff backoff(std::chrono::microseconds(200), milliseconds(1));
  std::vector<long long> sleeps;
  for (int i = 0; i < 4; ++i) sleeps.push_back(backoff.next().count());
  EXPECT_EQ(sleeps, (std::vector<long long>{200, 400, 800, 1000}));
}

TEST(PollUntil, StopsAtTheFirstTrueAndLooksOnceMoreAtTheDeadline) {
  int calls = 0;
  const auto far = std::chrono::steady_clock::now() + std::chrono::hours(1);
  EXPECT_TRUE(
      poll_until([&] { return ++calls == 3; }, far, Backoff(milliseconds(1), milliseconds(1))));
  EXPECT_EQ(calls, 3);

  calls = 0;
  const auto past = std::chrono::steady_clock::now() - milliseconds(1);
  EXPECT_FALSE(
      poll_until([&] { return ++calls < 0; }, past, Backoff(milliseconds(1), milliseconds(1))));
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace cnfctl
