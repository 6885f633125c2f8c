#include "engine/registry.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace cnfctl::engine {
namespace {

class NeverRunner : public process::Runner {
 public:
  process::Outcome run(const process::Command&) override {
    ADD_FAILURE() << "ran a command";
    return {};
  }
  std::vector<process::Outcome> run_all(const std::vector<process::Command>& commands,
                                        std::size_t) override {
    return std::vector<process::Outcome>(commands.size());
  }
  std::string name() const override { return "test"; }
};

TEST(Registry, MakesEveryKnownEngineWithoutTouchingTheNode) {
  NeverRunner runner;
  for (const auto& name : known_engines()) {
    auto engine = make_engine(name, runner);
    EXPECT_EQ(engine->kind(), name);
    EXPECT_EQ(engine->node(), "test");
  }
}

TEST(Registry, UnknownEngineListsTheKnownOnes) {
  NeverRunner runner;
  try {
    make_engine("rkt", runner);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2);
    EXPECT_NE(std::string(e.what()).find("oci, lxc, docker, podman"), std::string::npos);
  }
}

}  // namespace
}  // namespace cnfctl::engine
