// Loads generated topology files with many keys (a `nodes:` mapping of N nodes, the densest
// mapping a file under 1 MiB can hold: 110,000 keys in 990 kB) and prints the loader's time per
// key at 11,000 and at 110,000 keys, and their ratio. A linear loader gives a ratio near 1; the
// quadratic duplicate-key check it replaced gave about 10.
//
//   build/bench/topology_load/cnfctl_bench_topology_load [--repeats R]
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "topology/loader.h"

namespace {

// "n" and 4 base-36 digits: every name has the same length, so bytes grow exactly with keys.
std::string node_name(std::size_t i) {
  constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string name = "n0000";
  for (std::size_t pos = 4; pos > 0; --pos, i /= 36) name[pos] = kDigits[i % 36];
  return name;
}

std::string file_with_keys(std::size_t keys) {
  std::string text = "containers:\n  - {prefix: nf, node: n0000}\nnodes:\n";
  for (std::size_t i = 0; i < keys; ++i) text += "  " + node_name(i) + ":\n";
  return text;
}

// The fastest of `repeats` loads, in seconds (the minimum filters the noise of a shared host).
double seconds_to_load(const std::string& text, int repeats) {
  double best = 1e9;
  for (int r = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    const auto topology = cnfctl::topology::load_topology_text(text, "bench.yaml");
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    if (topology.nodes.empty()) std::abort();
    best = std::min(best, took.count());
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  int repeats = 3;
  if (argc == 3 && std::string(argv[1]) == "--repeats") repeats = std::max(1, std::atoi(argv[2]));
  const std::vector<std::size_t> sizes = {11000, 110000};
  std::vector<double> per_key;
  fmt::print("{:>8}  {:>10}  {:>10}  {:>12}\n", "KEYS", "BYTES", "SECONDS", "US/KEY");
  for (auto keys : sizes) {
    const auto text = file_with_keys(keys);
    const double seconds = seconds_to_load(text, repeats);
    per_key.push_back(seconds / static_cast<double>(keys));
    fmt::print("{:>8}  {:>10}  {:>10.3f}  {:>12.3f}\n", keys, text.size(), seconds,
               per_key.back() * 1e6);
  }
  fmt::print("time per key at {} keys / at {} keys: {:.2f} (linear: ~1)\n", sizes[1], sizes[0],
             per_key[1] / per_key[0]);
  return 0;
}
