#include "trafficgen/options.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "common/error.h"

namespace cnfctl::trafficgen {

std::optional<std::uint64_t> parse_pps(const std::string& text) {
  std::string s = text;
  if (s.size() > 3 && s.ends_with("pps")) s.resize(s.size() - 3);
  double scale = 1;
  if (!s.empty() && (s.back() == 'k' || s.back() == 'K')) {
    scale = 1e3;
    s.pop_back();
  } else if (!s.empty() && s.back() == 'M') {
    scale = 1e6;
    s.pop_back();
  } else if (!s.empty() && s.back() == 'G') {
    scale = 1e9;
    s.pop_back();
  }
  double value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  value *= scale;
  if (!std::isfinite(value) || value < 0 || value > 1e12) return std::nullopt;
  return static_cast<std::uint64_t>(std::llround(value));
}

namespace {

std::uint64_t parse_count(const std::string& flag, const std::string& text, std::uint64_t lo,
                          std::uint64_t hi) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v < lo || v > hi) {
    throw Error::bad_input(
        flag, fmt::format("expected a whole number {} .. {}, got \"{}\"", lo, hi, text));
  }
  return v;
}

}  // namespace

AppOptions parse_app_options(const std::vector<std::string>& args) {
  AppOptions o;
  if (args.empty()) throw Error::bad_input("arguments", "a mode is required: gen or forward");
  if (args[0] == "gen") {
    o.mode = Mode::kGen;
  } else if (args[0] == "forward") {
    o.mode = Mode::kForward;
  } else {
    throw Error::bad_input("arguments", fmt::format("unknown mode \"{}\" (gen, forward)", args[0]));
  }
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& flag = args[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw Error::bad_input(flag, "needs a value");
      return args[++i];
    };
    if (flag == "--control") {
      o.control = value();
      if (o.control.empty()) throw Error::bad_input(flag, "the socket path is empty");
    } else if (flag == "--trial" && o.mode == Mode::kGen) {
      o.trial = value();
    } else if (flag == "--link-timeout-s") {
      o.link_timeout_s = static_cast<double>(parse_count(flag, value(), 0, 3600));
    } else if (flag == "--limit" && o.mode == Mode::kForward) {
      const std::string& v = value();
      const auto pps = parse_pps(v);
      if (!pps || *pps == 0) {
        throw Error::bad_input(flag, fmt::format("expected a rate like 200000, 200k or 1Mpps, "
                                                 "got \"{}\"",
                                                 v));
      }
      o.limit_pps = *pps;
    } else if (flag == "--limit-burst" && o.mode == Mode::kForward) {
      o.limit_burst = parse_count(flag, value(), 1, 1 << 20);
    } else if (flag == "--delay-us" && o.mode == Mode::kForward) {
      o.delay_us = static_cast<std::uint32_t>(parse_count(flag, value(), 0, 1'000'000));
    } else if (flag == "--delay-queue" && o.mode == Mode::kForward) {
      o.delay_queue = static_cast<std::uint32_t>(parse_count(flag, value(), 64, 1 << 22));
    } else if (flag == "--mbufs") {
      o.mbufs = static_cast<std::uint32_t>(parse_count(flag, value(), 1024, 1 << 22));
    } else {
      throw Error::bad_input(flag, fmt::format("unknown option for mode {}",
                                               o.mode == Mode::kGen ? "gen" : "forward"));
    }
  }
  return o;
}

std::uint64_t AppOptions::bucket_depth() const {
  if (limit_burst != 0) return limit_burst;
  return 64;  // two bursts: the two directions' due times interleave a burst apart
}

std::string usage() {
  return R"(cnfctl-gen: cnfctl's memif traffic generator and reference NF (DPDK).

  cnfctl-gen <EAL args> -- gen [--control PATH] [--trial JSON] [--link-timeout-s S] [--mbufs N]
      one or two memif ports; trials over the control socket (src/trafficgen/README.md), or one
      trial from --trial, its result printed as JSON.
  cnfctl-gen <EAL args> -- forward [--limit PPS] [--limit-burst N] [--delay-us N]
                                   [--delay-queue N] [--control PATH] [--mbufs N]
      two ports, forwards 0<->1; --limit passes at most PPS frames per second (both directions
      together) and drops the rest (a token bucket of --limit-burst frames, default 64, metering
      cnfctl-gen's frames at the time they were due, so descheduling of the generator or the
      forwarder changes nothing); --delay-us holds every frame N microseconds.

EAL args as for testpmd: --no-huge -m 512 --no-pci --file-prefix=P --lcores 0@C,1@C
  --vdev=net_memif0,role=server|client,socket=PATH,id=N,socket-abstract=no ...
)";
}

}  // namespace cnfctl::trafficgen
