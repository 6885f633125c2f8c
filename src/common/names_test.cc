#include "common/names.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace cnfctl {
namespace {

TEST(SafeName, AcceptsTheDocumentedAlphabet) {
  EXPECT_TRUE(is_safe_name("nf1"));
  EXPECT_TRUE(is_safe_name("DUT1_vswitch-a.b"));
  EXPECT_TRUE(is_safe_name(std::string(kMaxNameLength, 'a')));
}

TEST(SafeName, RejectsPathsShellAndEmpty) {
  for (const char* bad :
       {"", "../x", "a;b", "a b", "-x", ".hidden", "a/b", "$(id)", "a\nb", "_x", "\xc3\xa9"}) {
    EXPECT_FALSE(is_safe_name(bad)) << bad;
  }
  EXPECT_FALSE(is_safe_name(std::string(kMaxNameLength + 1, 'a')));
}

TEST(SafeName, ErrorSaysWhatAndWhere) {
  try {
    require_safe_name("../x", "container name", "topo.yaml:3:9");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2);
    EXPECT_NE(e.describe().find("topo.yaml:3:9: unsafe container name '../x'"), std::string::npos)
        << e.describe();
  }
}

TEST(ErrorModel, DescribesLocationsCommandAndStderrTail) {
  Error e("runc create failed");
  e.at("step create").at("container nf1").at("node local");
  e.with_command("runc create nf1", "exited with code 1", "line one\nline two");
  EXPECT_EQ(e.exit_code(), 1);
  EXPECT_EQ(e.describe(),
            "node local: container nf1: step create: runc create failed\n"
            "  command: runc create nf1\n  status: exited with code 1\n"
            "  stderr (tail):\n    line one\n    line two");
  EXPECT_STREQ(e.what(), e.describe().c_str());
}

}  // namespace
}  // namespace cnfctl
