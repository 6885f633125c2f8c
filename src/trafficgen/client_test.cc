// The client against the real control server (serve_control) with a handler standing in for
// the data path.
#include "trafficgen/client.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

#include "common/error.h"
#include "trafficgen/control_server.h"

namespace cnfctl::trafficgen {
namespace {

class ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = "/tmp/cnfctl-gen-client-test-" + std::to_string(::getpid()) + ".sock";
    server_ = std::thread([this] {
      serve_control(
          path_,
          [](const std::string& line) {
            const auto r = parse_request(line);
            if (r.cmd == "trial") {
              TrialResult t;
              t.rate_pps = r.trial.rate_pps;
              t.duration_s = r.trial.duration_s;
              t.frame_size = r.trial.frame_size;
              StreamResult d;
              d.name = "0to1";
              d.sent = 100;
              d.received = 100;
              t.directions = {d};
              t.total = sum_results(t.directions, Histogram{});
              return to_json(t).dump();
            }
            return nlohmann::json{{"ok", true}, {"ports", {{{"port", 0}, {"link_up", true}}}}}
                .dump();
          },
          quit_);
    });
  }
  void TearDown() override {
    quit_ = true;
    server_.join();
    EXPECT_NE(::access(path_.c_str(), F_OK), 0) << "the socket file was left behind";
  }

  std::string path_;
  std::atomic<bool> quit_{false};
  std::thread server_;
};

TEST_F(ClientTest, PingAndTrial) {
  GenClient client(path_, std::chrono::seconds(5));
  EXPECT_TRUE(all_links_up(client.ping()));
  TrialRequest r;
  r.rate_pps = 1000;
  const TrialResult t = client.trial(r);
  EXPECT_EQ(t.total.sent, 100U);
  EXPECT_DOUBLE_EQ(t.rate_pps, 1000);
  // Several requests on one connection.
  EXPECT_TRUE(client.ping().value("ok", false));
}

TEST(Client, NoServerIsAnError) {
  EXPECT_THROW(GenClient("/tmp/cnfctl-gen-nobody-here.sock", std::chrono::milliseconds(50)), Error);
}

TEST(Client, LinksDown) {
  EXPECT_FALSE(all_links_up({{"ok", true}, {"ports", {{{"link_up", false}}}}}));
  EXPECT_FALSE(all_links_up({{"ok", false}}));
}

}  // namespace
}  // namespace cnfctl::trafficgen
