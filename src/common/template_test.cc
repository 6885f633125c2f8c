#include "common/template.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace cnfctl {
namespace {

TEST(Template, SubstitutesBothForms) {
  EXPECT_EQ(render_template("a $x b ${y}c", {{"x", "1"}, {"y", "2"}}), "a 1 b 2c");
  EXPECT_EQ(render_template("$x$y", {{"x", "1"}, {"y", "2"}}), "12");
  EXPECT_EQ(render_template("${mid1}0", {{"mid1", "7"}}), "70");
}

TEST(Template, DollarDollarIsDollar) {
  EXPECT_EQ(render_template("cost $$5 $$x", {{"x", "no"}}), "cost $5 $x");
}

TEST(Template, UnknownAndMalformedAreKept) {
  EXPECT_EQ(render_template("$unknown ${other} $ ${ $1 ${1a} ${x", {{"x", "1"}}),
            "$unknown ${other} $ ${ $1 ${1a} ${x");
  EXPECT_EQ(render_template("end$", {}), "end$");
}

TEST(Template, LongestIdentifierWins) {
  // Python matches the longest identifier: "$sid12" is the variable sid12, not sid1 + "2".
  EXPECT_EQ(render_template("$sid12 $sid1", {{"sid1", "A"}}), "$sid12 A");
}

TEST(Template, RendersEveryReferenceTemplateWithoutTouchingUnknowns) {
  const std::filesystem::path dir =
      std::filesystem::path(CNFCTL_SHARED_DIR) / "reference" / "csit" / "templates";
  int rendered = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    // With no variables, a template renders to itself except for `$$`.
    const std::string source = text.str();
    std::string expected;
    for (std::size_t i = 0; i < source.size(); ++i) {
      expected += source[i];
      if (source[i] == '$' && i + 1 < source.size() && source[i + 1] == '$') ++i;
    }
    EXPECT_EQ(render_template(source, {}), expected) << entry.path();
    ++rendered;
  }
  EXPECT_EQ(rendered, 8);
}

}  // namespace
}  // namespace cnfctl
