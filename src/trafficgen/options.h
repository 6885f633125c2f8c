// cnfctl-gen's application arguments (the part after EAL's "--").
//
//   cnfctl-gen <EAL args> -- gen [--control PATH] [--trial JSON] [--link-timeout-s S]
//   cnfctl-gen <EAL args> -- forward [--limit PPS] [--delay-us N] [--control PATH]
//
// Pure parsing, tested alone; the program maps errors to exit code 2.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cnfctl::trafficgen {

enum class Mode { kGen, kForward };

struct AppOptions {
  Mode mode = Mode::kGen;
  std::string control;               // unix socket path; empty: none
  std::optional<std::string> trial;  // gen: one trial request (JSON), printed result, exit
  double link_timeout_s = 10;        // --trial: how long to wait for the links to come up
  std::uint64_t limit_pps = 0;       // forward: 0 = unlimited
  std::uint64_t limit_burst = 0;     // forward: token bucket depth (frames); 0: 10 ms of the limit

  /// The token bucket's depth: limit_burst, or 10 ms of the limit (at least 32 frames).
  std::uint64_t bucket_depth() const;
  std::uint32_t delay_us = 0;         // forward: hold every frame this long
  std::uint32_t mbufs = 32768;        // per pool
  std::uint32_t delay_queue = 16384;  // forward --delay-us: frames held at most (per direction)
};

/// Parses the application arguments (without argv[0]). Throws cnfctl::Error (bad input, at the
/// argument) on an unknown mode or flag, a missing or malformed value.
AppOptions parse_app_options(const std::vector<std::string>& args);

/// "1000000", "1M", "1Mpps", "200k", "200kpps" → frames per second. nullopt when malformed.
std::optional<std::uint64_t> parse_pps(const std::string& text);

/// The usage text.
std::string usage();

}  // namespace cnfctl::trafficgen
