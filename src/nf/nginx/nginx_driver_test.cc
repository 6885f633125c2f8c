#include "nf/nginx/nginx_driver.h"

#include <gtest/gtest.h>

#include <atomic>

#include "common/error.h"
#include "nf/nginx/tiny_http_server_test_support.h"
#include "process/local_runner.h"
#include "support/fake_engine.h"

namespace cnfctl::nginx {
namespace {

using nf::testing::FakeEngine;
using std::chrono::milliseconds;
using testing::TinyHttpServer;

std::string ok_response(std::size_t bytes) {
  return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(bytes) + "\r\n\r\n" +
         std::string(bytes, 'x');
}

class NginxDriverTest : public ::testing::Test {
 protected:
  NginxDriverTest()
      : engine_([this](const engine::ExecRequest& r) {
          if (r.argv.size() > 3 && r.argv[3] == "cnfctl-alive") {
            return FakeEngine::exited(alive_ ? 0 : 1);
          }
          if (r.argv.size() > 3 && r.argv[3] == "cnfctl-nf") return FakeEngine::exited(0, "12\n");
          if (!r.argv.empty() && r.argv[0] == "tail") {
            return FakeEngine::exited(0, "nginx: [emerg] bind() to 0.0.0.0:8080 failed");
          }
          return FakeEngine::exited(0);
        }),
        driver_(make_nginx_driver()) {
    container_.id = "run1-web1";
    container_.host_network = true;
    container_.nf.argv = {"/usr/sbin/nginx", "-c", "/run/cnfctl-nginx/nginx.conf"};
    container_.nf.files = {{"/run/cnfctl-nginx/nginx.conf", "daemon off;"}};
    container_.nf.http = nf::HttpEndpoint{0, "/64B", 64};
  }
  nf::NfContext ctx() { return {container_, engine_, runner_}; }

  std::atomic<bool> alive_{true};
  FakeEngine engine_;
  process::LocalRunner runner_;
  nf::PlannedContainer container_;
  std::unique_ptr<nf::NfDriver> driver_;
};

TEST(HttpAnswer, NeedsStatus200AndTheBodySize) {
  EXPECT_TRUE(assess_http_answer(200, 64, 64).ready);
  auto wrong_size = assess_http_answer(200, 63, 64);
  EXPECT_FALSE(wrong_size.ready);
  EXPECT_EQ(wrong_size.detail, "HTTP 200 with 63 body bytes (expected 64)");
  EXPECT_FALSE(assess_http_answer(404, 64, 64).ready);
}

TEST_F(NginxDriverTest, PrepareMakesTheWorkDirInTheContainer) {
  driver_->prepare(ctx());
  auto execs = engine_.execs();
  ASSERT_EQ(execs.size(), 1u);
  EXPECT_EQ(execs[0], (std::vector<std::string>{"mkdir", "-p", "--", "/run/cnfctl-nginx"}));
}

TEST_F(NginxDriverTest, ReadyWithTheConfiguredBody) {
  TinyHttpServer server(ok_response(64));
  container_.nf.http->port = server.port();
  auto r = driver_->probe(ctx(), milliseconds(2000));
  EXPECT_TRUE(r.ready) << r.detail;
  EXPECT_EQ(r.detail, "HTTP 200 with 64 body bytes");
}

TEST_F(NginxDriverTest, WrongBodyIsNotReady) {
  TinyHttpServer server(ok_response(10));
  container_.nf.http->port = server.port();
  driver_->start(ctx());
  auto r = driver_->probe(ctx(), milliseconds(2000));
  EXPECT_FALSE(r.ready);
  EXPECT_FALSE(r.fatal);
  EXPECT_NE(r.detail.find("(expected 64)"), std::string::npos) << r.detail;
}

TEST_F(NginxDriverTest, RefusedWhileAliveIsNotReadyAndFatalOnceGone) {
  int port = 0;
  {
    TinyHttpServer gone("");
    port = gone.port();
  }
  container_.nf.http->port = port;
  driver_->start(ctx());
  auto r = driver_->probe(ctx(), milliseconds(500));
  EXPECT_FALSE(r.ready);
  EXPECT_FALSE(r.fatal);
  alive_ = false;
  r = driver_->probe(ctx(), milliseconds(500));
  EXPECT_TRUE(r.fatal);
  EXPECT_NE(r.detail.find("bind() to 0.0.0.0:8080 failed"), std::string::npos) << r.detail;
}

TEST_F(NginxDriverTest, NoEndpointIsAnError) {
  container_.nf.http.reset();
  EXPECT_THROW(driver_->probe(ctx(), milliseconds(100)), Error);
  EXPECT_TRUE(driver_->counters(ctx()).empty());
}

}  // namespace
}  // namespace cnfctl::nginx
