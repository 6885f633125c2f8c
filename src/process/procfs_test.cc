#include "process/procfs.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <string>

namespace cnfctl::process {
namespace {

const std::string kStatus =
    "Name:\tsh\n"
    "State:\tS (sleeping)\n"
    "PPid:\t41\n"
    "NSpid:\t4242\t7\n"
    "SigPnd:\t0000000000000000\n"
    "ShdPnd:\t0000000000000100\n"
    "SigIgn:  0000000000000004\n"
    "Cpus_allowed_list:\t0-3";

TEST(StatusField, IsTheValueAfterTheColonWithoutItsBlanks) {
  EXPECT_EQ(status_field(kStatus, "Name"), "sh");  // the first line too
  EXPECT_EQ(status_field(kStatus, "State"), "S (sleeping)");
  EXPECT_EQ(status_field(kStatus, "NSpid"), "4242\t7");
  EXPECT_EQ(status_field(kStatus, "SigIgn"), "0000000000000004");  // spaces as tabs
  EXPECT_EQ(status_field(kStatus, "Cpus_allowed_list"), "0-3");    // no final newline
  EXPECT_EQ(status_field("Name:\n", "Name"), "");
}

TEST(StatusField, MatchesTheWholeKeyOnly) {
  EXPECT_EQ(status_field(kStatus, "Sig"), std::nullopt);
  EXPECT_EQ(status_field(kStatus, "Cpus_allowed"), std::nullopt);
  EXPECT_EQ(status_field(kStatus, "ate"), std::nullopt);
  EXPECT_EQ(status_field("", "Name"), std::nullopt);
}

TEST(StatusSignalSet, ReadsTheHexadecimalMask) {
  EXPECT_EQ(status_signal_set(kStatus, "SigPnd"), 0U);
  EXPECT_EQ(status_signal_set(kStatus, "ShdPnd"), 0x100U);
  EXPECT_EQ(status_signal_set(kStatus, "SigIgn"), 4U);
  EXPECT_EQ(status_signal_set("SigBlk:\tfffffffe7ffbfeff\n", "SigBlk"), 0xfffffffe7ffbfeffULL);
}

TEST(StatusSignalSet, IsEmptyWhenMissingOrNoNumber) {
  EXPECT_EQ(status_signal_set(kStatus, "SigBlk"), 0U);
  EXPECT_EQ(status_signal_set("SigBlk:\tnone\n", "SigBlk"), 0U);
  EXPECT_EQ(status_signal_set("SigBlk:\n", "SigBlk"), 0U);
}

TEST(StatField, CountsFromTheCommandNamesClosingParenthesis) {
  std::string stat = "77 (a (b) c) Z 1";
  for (int field = 5; field <= 22; ++field) stat += " " + std::to_string(field * 10);
  stat += " 9\n";
  EXPECT_EQ(stat_field(stat, 3), "Z");
  EXPECT_EQ(stat_field(stat, 4), "1");
  EXPECT_EQ(stat_field(stat, 22), "220");
  EXPECT_EQ(stat_field(stat, 23), "9");
  EXPECT_EQ(stat_field(stat, 24), std::nullopt);
  EXPECT_EQ(stat_field(stat, 2), std::nullopt);
}

TEST(StatField, IsMissingWithoutACommandName) {
  EXPECT_EQ(stat_field("", 3), std::nullopt);
  EXPECT_EQ(stat_field("77 (sh", 3), std::nullopt);
  EXPECT_EQ(stat_field("77 (sh)", 3), std::nullopt);
}

TEST(ProcessIds, ListsThisProcess) {
  const auto pids = process_ids();
  EXPECT_THAT(pids, ::testing::Contains(static_cast<int>(::getpid())));
  EXPECT_TRUE(std::all_of(pids.begin(), pids.end(), [](int pid) { return pid > 0; }));
}

}  // namespace
}  // namespace cnfctl::process
