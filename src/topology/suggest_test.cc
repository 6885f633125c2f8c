#include "topology/suggest.h"

#include <gtest/gtest.h>

#include <array>

namespace cnfctl::topology {
namespace {

TEST(Suggest, EditDistance) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
  EXPECT_EQ(edit_distance("count", "cout"), 1u);
  EXPECT_EQ(edit_distance("chain", "chian"), 1u);  // a transposition costs 1
  EXPECT_EQ(edit_distance("Policy", "policy"), 0u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

TEST(Suggest, ClosestMatch) {
  constexpr std::array<std::string_view, 4> keys{"kind", "chains", "nodes_per_chain", "tg_mac"};
  EXPECT_EQ(closest_match("nodes_per_chian", keys), "nodes_per_chain");
  EXPECT_EQ(closest_match("chians", keys), "chains");
  EXPECT_EQ(closest_match("knd", keys), "kind");
  EXPECT_FALSE(closest_match("xyz", keys));
  EXPECT_FALSE(closest_match("policy", keys));
  EXPECT_EQ(join_names(keys), "kind, chains, nodes_per_chain, tg_mac");
}

}  // namespace
}  // namespace cnfctl::topology
