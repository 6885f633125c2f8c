// The topology file (YAML text) → validated model → offline plan, all without a machine: nodes
// with an `lscpu:` text are planned on it, the others on a fixed 2-socket, 8-core, SMT machine.
// Properties:
//   - a rejected file is Error::bad_input located in the file; loading never throws anything
//     else (no YAML-library exception, no std::out_of_range ...);
//   - a loaded model (of valid UTF-8 text) printed back as YAML (topology_writer.h: every value
//   explicit) loads again
//     to the same model, which prints the same text;
//   - both models give the same plan, or the same error;
//   - a plan read back from its JSON (plan_json.h: what the run journal keeps) prints the same
//     JSON; to_text() works on every plan.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cpu/machine.h"
#include "cpu/test_machines.h"
#include "fuzz_check.h"
#include "plan/plan.h"
#include "plan/plan_json.h"
#include "plan/plan_output.h"
#include "topology/loader.h"
#include "topology_writer.h"

using cnfctl::Error;
using cnfctl::fuzz::check;
using cnfctl::topology::Topology;

namespace {

constexpr const char* kSource = "fuzz.yaml";

std::optional<cnfctl::cpu::Machine> machine_of(const cnfctl::topology::Node& node) {
  static const auto fallback =
      cnfctl::cpu::Machine::from_lscpu(cnfctl::cpu::testing::lscpu_text(2, 8, 2), "test machine");
  if (node.lscpu) return cnfctl::cpu::Machine::from_lscpu(*node.lscpu, "node " + node.name);
  return fallback;
}

// The plan as JSON text, or the error's text.
std::string plan_of(const Topology& topology, bool check_json) {
  cnfctl::plan::Plan plan;
  try {
    plan = cnfctl::plan::build_plan(topology, {.run_name = "", .machine_facts = machine_of});
  } catch (const Error& e) {
    cnfctl::fuzz::check_bad_input(e, "build_plan");
    return "error: " + e.message();
  }
  const auto json = cnfctl::plan::to_json(plan);
  if (check_json) {
    const auto again = cnfctl::plan::to_json(cnfctl::plan::from_json(json));
    check(again == json, "a plan read back from its JSON prints the same JSON",
          json.dump(1) + "\n---\n" + again.dump(1));
    check(!cnfctl::plan::to_text(plan).empty(), "to_text() prints something");
  }
  return json.dump();
}

bool valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const std::size_t n = c < 0x80           ? 1
                          : (c >> 5) == 0x6  ? 2
                          : (c >> 4) == 0xE  ? 3
                          : (c >> 3) == 0x1E ? 4
                                             : 0;
    if (n == 0 || i + n > text.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) >> 6) != 0x2) return false;
    }
    i += n;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::optional<Topology> topology;
  try {
    topology.emplace(cnfctl::topology::load_topology_text(text, kSource));
  } catch (const Error& e) {
    cnfctl::fuzz::check_bad_input(e, "load_topology_text");
    check(e.describe().starts_with(kSource), "a load error is located in the file", e.describe());
    return 0;
  }

  const std::string plan = plan_of(*topology, true);
  // yaml-cpp's emitter writes invalid UTF-8 as U+FFFD, so only valid text can round-trip.
  if (!valid_utf8(text)) return 0;

  const std::string printed = cnfctl::fuzz::write_topology(*topology);
  std::optional<Topology> again;
  try {
    again.emplace(cnfctl::topology::load_topology_text(printed, kSource));
  } catch (const Error& e) {
    check(false, "a loaded model printed back loads again", printed + "\n" + e.describe());
  }
  const std::string reprinted = cnfctl::fuzz::write_topology(*again);
  check(reprinted == printed, "a model printed back loads to the same model",
        printed + "\n---\n" + reprinted);

  const std::string plan_again = plan_of(*again, false);
  check(plan == plan_again, "the printed model plans the same",
        printed + "\n---\n" + plan + "\n---\n" + plan_again);
  return 0;
}
