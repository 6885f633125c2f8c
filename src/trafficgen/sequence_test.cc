#include "trafficgen/sequence.h"

#include <gtest/gtest.h>

namespace cnfctl::trafficgen {
namespace {

SequenceCounts run(const std::vector<std::uint64_t>& seqs) {
  SequenceWindow w;
  for (auto s : seqs) w.add(s);
  return w.counts();
}

TEST(SequenceWindow, InOrderWithoutLoss) {
  SequenceWindow w;
  for (std::uint64_t s = 0; s < 1'000'000; ++s) w.add(s);
  EXPECT_EQ(w.counts().received, 1'000'000U);
  EXPECT_EQ(w.counts().duplicated, 0U);
  EXPECT_EQ(w.counts().reordered, 0U);
  EXPECT_EQ(w.counts().lost(1'000'000), 0U);
}

TEST(SequenceWindow, GapsAreLost) {
  const auto c = run({0, 1, 3, 4, 9});
  EXPECT_EQ(c.unique(), 5U);
  EXPECT_EQ(c.lost(10), 5U);  // 2, 5, 6, 7, 8
  EXPECT_EQ(c.reordered, 0U);
}

TEST(SequenceWindow, DuplicatesAreCountedOnce) {
  const auto c = run({0, 1, 1, 2, 0, 2, 2});
  EXPECT_EQ(c.received, 7U);
  EXPECT_EQ(c.duplicated, 4U);
  EXPECT_EQ(c.unique(), 3U);
  EXPECT_EQ(c.lost(3), 0U);
}

TEST(SequenceWindow, LateFramesAreReorderedNotLost) {
  const auto c = run({0, 2, 1, 5, 3, 4});
  EXPECT_EQ(c.reordered, 3U);  // 1, 3, 4
  EXPECT_EQ(c.duplicated, 0U);
  EXPECT_EQ(c.lost(6), 0U);
}

TEST(SequenceWindow, LateDuplicateIsADuplicate) {
  const auto c = run({0, 3, 1, 1});
  EXPECT_EQ(c.reordered, 1U);
  EXPECT_EQ(c.duplicated, 1U);
}

TEST(SequenceWindow, WindowForgetsOnlyWhatIsOlderThanItself) {
  SequenceWindow w;
  w.add(5);
  w.add(SequenceWindow::kWindow + 10);  // 5 is now beyond the window
  w.add(5);                             // cannot be checked: counted as a late unique frame
  EXPECT_EQ(w.counts().beyond_window, 1U);
  EXPECT_EQ(w.counts().duplicated, 0U);
  // A number inside the window that was skipped is not taken for a duplicate, even where the
  // bitmap wrapped around.
  w.add(SequenceWindow::kWindow + 9);
  EXPECT_EQ(w.counts().duplicated, 0U);
  w.add(SequenceWindow::kWindow + 9);
  EXPECT_EQ(w.counts().duplicated, 1U);
}

TEST(SequenceWindow, StaleBitsAreClearedWhenTheWindowAdvances) {
  SequenceWindow w;
  for (std::uint64_t s = 0; s < 200; ++s) w.add(s);
  // Jump by exactly the window: bit positions of 0..199 are reused by kWindow..kWindow+199.
  for (std::uint64_t s = SequenceWindow::kWindow; s < SequenceWindow::kWindow + 200; ++s) {
    w.add(s);
  }
  EXPECT_EQ(w.counts().duplicated, 0U);
  EXPECT_EQ(w.counts().unique(), 400U);
}

TEST(SequenceWindow, ResetStartsOver) {
  SequenceWindow w;
  w.add(0);
  w.add(0);
  w.reset();
  w.add(0);
  EXPECT_EQ(w.counts().received, 1U);
  EXPECT_EQ(w.counts().duplicated, 0U);
}

TEST(SequenceCounts, LostNeverNegative) {
  SequenceCounts c;
  c.received = 10;
  EXPECT_EQ(c.lost(5), 0U);
}

}  // namespace
}  // namespace cnfctl::trafficgen
