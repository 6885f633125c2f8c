#include "cpu/cpu_list.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/error.h"

namespace cnfctl::cpu {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(CpuList, ParsesSysfsText) {
  EXPECT_THAT(parse_cpu_list("0-3,8,10-11\n", "f"), ElementsAre(0, 1, 2, 3, 8, 10, 11));
  EXPECT_THAT(parse_cpu_list("5,1,5", "f"), ElementsAre(1, 5));
  EXPECT_THAT(parse_cpu_list("\n", "f"), IsEmpty());
}

TEST(CpuList, RejectsMalformedTextNamingWhere) {
  for (const char* bad : {"a", "1-", "-1", "3-1", "1,,2", "1.5", "0-2000000000", "8192"}) {
    try {
      parse_cpu_list(bad, "cpulist");
      ADD_FAILURE() << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.exit_code(), 2);
      EXPECT_EQ(e.locations().front(), "cpulist");
    }
  }
}

TEST(CpuList, FormatsRangesOfThreeOrMore) {
  EXPECT_EQ(format_cpu_list({3, 0, 1, 2, 8, 10, 11}), "0-3,8,10,11");
  EXPECT_EQ(format_cpu_list({}), "");
  EXPECT_EQ(format_cpu_list({7, 7}), "7");
}

}  // namespace
}  // namespace cnfctl::cpu
