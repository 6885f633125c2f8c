#include "measure/measure_run.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "measure/testing/simulated_nf.h"

namespace cnfctl::measure {
namespace {

TEST(MeasureOptions, ParsesRatesAndRatios) {
  EXPECT_DOUBLE_EQ(parse_rate("200k", "--rate"), 200'000);
  EXPECT_DOUBLE_EQ(parse_rate("200kpps", "--rate"), 200'000);
  EXPECT_DOUBLE_EQ(parse_rate("1.5Mpps", "--rate"), 1'500'000);
  EXPECT_DOUBLE_EQ(parse_rate("12000", "--rate"), 12'000);
  EXPECT_DOUBLE_EQ(parse_ratio("0.5%", "--pdr-loss"), 0.005);
  EXPECT_DOUBLE_EQ(parse_ratio("0.005", "--pdr-loss"), 0.005);
  EXPECT_DOUBLE_EQ(parse_ratio("0", "--pdr-loss"), 0.0);
  for (const char* bad : {"", "fast", "-5k", "0", "1e400", "5kk", "k"}) {
    try {
      parse_rate(bad, "--rate");
      ADD_FAILURE() << "accepted rate '" << bad << "'";
    } catch (const Error& e) {
      EXPECT_EQ(e.exit_code(), 2);
      EXPECT_NE(e.describe().find("--rate"), std::string::npos);
    }
  }
  for (const char* bad : {"", "100%", "2", "-1%", "x%"}) {
    EXPECT_THROW(parse_ratio(bad, "--pdr-loss"), Error) << bad;
  }
}

TEST(ResultTable, ShowsGoalsSpreadAndDropPoint) {
  SearchConfig c;
  c.max_rate = 1e6;
  c.final_duration = 2;
  std::vector<SearchResult> searches;
  auto result = new_result("search", "r1", {});
  result["searches"] = nlohmann::json::array();
  result["trials"] = nlohmann::json::array();
  for (double capacity : {200'000.0, 198'000.0}) {
    testing::DeterministicNf nf{.capacity = capacity};
    auto s = search(c, [&](double r, double d) { return nf(r, d); });
    const auto first = result["trials"].size();
    for (const auto& t : s.trials) {
      TrialRecord record;
      record.index = result["trials"].size();
      record.rate_pps = t.rate;
      record.duration_s = t.duration;
      record.result.total.sent = t.sent;
      record.result.total.received = t.received;
      record.loss_ratio = t.loss_ratio;
      record.hops = HopCounters{};
      if (t.loss_ratio > 0) {
        record.hops->drop_point = "nf1";
        record.hops->drop_detail = "some frames";
      }
      result["trials"].push_back(trial_json(record));
    }
    result["searches"].push_back(search_json(s, first, 3.0));
    searches.push_back(s);
  }
  result["summary"] = summary_json(searches);
  const auto text = render_result_table(result);
  EXPECT_NE(text.find("search 1/2 of run r1"), std::string::npos) << text;
  EXPECT_NE(text.find("NDR"), std::string::npos);
  EXPECT_NE(text.find("PDR"), std::string::npos);
  EXPECT_NE(text.find("spread over 2 searches"), std::string::npos) << text;
  EXPECT_NE(text.find("NDR upper bound: drop point nf1 (some frames)"), std::string::npos) << text;
}

}  // namespace
}  // namespace cnfctl::measure
