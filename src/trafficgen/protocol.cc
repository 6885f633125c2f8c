#include "trafficgen/protocol.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "trafficgen/frame.h"

namespace cnfctl::trafficgen {

using nlohmann::json;

namespace {

[[noreturn]] void bad(const std::string& what) {
  throw Error::bad_input("request", what);
}

double number(const json& j, const char* key, double fallback, double lo, double hi) {
  if (!j.contains(key)) return fallback;
  const json& v = j.at(key);
  if (!v.is_number()) bad(fmt::format("\"{}\" must be a number", key));
  const double d = v.get<double>();
  if (!std::isfinite(d) || d < lo || d > hi) {
    bad(fmt::format("\"{}\" must be within {} .. {}, got {}", key, lo, hi, d));
  }
  return d;
}

TrialRequest parse_trial(const json& j) {
  static const char* const kKeys[] = {"cmd",        "rate_pps", "duration_s", "warmup_s",
                                      "frame_size", "flows",    "direction",  "tail_ms"};
  for (const auto& [key, value] : j.items()) {
    bool known = false;
    for (const char* k : kKeys) known = known || key == k;
    if (!known) bad(fmt::format("unknown field \"{}\" in a trial request", key));
  }
  TrialRequest r;
  if (!j.contains("rate_pps")) bad("a trial needs \"rate_pps\" (0: as fast as possible)");
  r.rate_pps = number(j, "rate_pps", 0, 0, 1e9);
  r.duration_s = number(j, "duration_s", 1, 0.001, 3600);
  r.warmup_s = number(j, "warmup_s", 0, 0, 600);
  r.flows = static_cast<std::uint32_t>(number(j, "flows", 1, 1, kMaxFlows));
  r.tail_ms = static_cast<std::uint32_t>(number(j, "tail_ms", 100, 0, 60000));
  if (j.contains("frame_size")) {
    const json& f = j.at("frame_size");
    if (f.is_string() && f.get<std::string>() == "imix") {
      r.frame_size = 0;
    } else if (f.is_number_integer() && f.get<std::int64_t>() >= kMinFrameSize &&
               f.get<std::int64_t>() <= kMaxFrameSize) {
      r.frame_size = f.get<std::uint32_t>();
    } else {
      bad(fmt::format("\"frame_size\" must be {} .. {} or \"imix\", got {}", kMinFrameSize,
                      kMaxFrameSize, f.dump()));
    }
  }
  if (j.contains("direction")) {
    const json& d = j.at("direction");
    const std::string s = d.is_string() ? d.get<std::string>() : "";
    if (s == "both") {
      r.direction = Direction::kBoth;
    } else if (s == "0to1") {
      r.direction = Direction::k0to1;
    } else if (s == "1to0") {
      r.direction = Direction::k1to0;
    } else {
      bad(fmt::format("\"direction\" must be \"both\", \"0to1\" or \"1to0\", got {}", d.dump()));
    }
  }
  // The sequence number is 32 bits per stream and trial.
  if (r.rate_pps * (r.duration_s + r.warmup_s) >= 4e9) {
    bad("rate_pps * (duration_s + warmup_s) must stay below 4e9 frames per direction");
  }
  return r;
}

}  // namespace

std::string to_string(Direction d) {
  switch (d) {
    case Direction::kBoth:
      return "both";
    case Direction::k0to1:
      return "0to1";
    case Direction::k1to0:
      return "1to0";
  }
  return "?";
}

std::vector<std::uint16_t> TrialRequest::sizes() const {
  if (frame_size == 0) return {std::begin(kImixPattern), std::end(kImixPattern)};
  return {static_cast<std::uint16_t>(frame_size)};
}

Request parse_request(const std::string& line) {
  json j;
  try {
    j = json::parse(line);
  } catch (const json::exception& e) {
    bad(fmt::format("not JSON: {}", e.what()));
  }
  if (!j.is_object()) bad("a request is a JSON object");
  if (!j.contains("cmd") || !j.at("cmd").is_string()) bad("a request needs \"cmd\" (a string)");
  Request r;
  r.cmd = j.at("cmd").get<std::string>();
  if (r.cmd == "trial") {
    r.trial = parse_trial(j);
  } else if (r.cmd != "ping" && r.cmd != "stats" && r.cmd != "quit") {
    bad(fmt::format("unknown command \"{}\" (ping, stats, trial, quit)", r.cmd));
  }
  return r;
}

json to_json(const TrialRequest& r) {
  json j = {
      {"cmd", "trial"},         {"rate_pps", r.rate_pps}, {"duration_s", r.duration_s},
      {"warmup_s", r.warmup_s}, {"flows", r.flows},       {"direction", to_string(r.direction)},
      {"tail_ms", r.tail_ms}};
  if (r.frame_size == 0) {
    j["frame_size"] = "imix";
  } else {
    j["frame_size"] = r.frame_size;
  }
  return j;
}

json to_json(const LatencySummary& s) {
  return {{"count", s.count}, {"min", s.min}, {"mean", s.mean}, {"p50", s.p50},
          {"p90", s.p90},     {"p99", s.p99}, {"p999", s.p999}, {"max", s.max}};
}

json to_json(const StreamResult& r) {
  return {{"name", r.name},
          {"sent", r.sent},
          {"received", r.received},
          {"lost", r.lost},
          {"duplicated", r.duplicated},
          {"reordered", r.reordered},
          {"tx_dropped", r.tx_dropped},
          {"loss_ratio", r.loss_ratio},
          {"tx_rate_pps", r.tx_rate_pps},
          {"tx_max_late_us", r.tx_max_late_us},
          {"latency", to_json(r.latency)}};
}

json to_json(const TrialResult& r) {
  json j = to_json(r.total);
  j.erase("name");
  j["ok"] = true;
  j["rate_pps"] = r.rate_pps;
  j["duration_s"] = r.duration_s;
  if (r.frame_size == 0) {
    j["frame_size"] = "imix";
  } else {
    j["frame_size"] = r.frame_size;
  }
  j["directions"] = json::array();
  for (const auto& d : r.directions) j["directions"].push_back(to_json(d));
  return j;
}

StreamResult stream_result_from_json(const json& j) {
  try {
    StreamResult r;
    r.name = j.value("name", "total");
    r.sent = j.at("sent").get<std::uint64_t>();
    r.received = j.at("received").get<std::uint64_t>();
    r.lost = j.at("lost").get<std::uint64_t>();
    r.duplicated = j.at("duplicated").get<std::uint64_t>();
    r.reordered = j.at("reordered").get<std::uint64_t>();
    r.tx_dropped = j.value("tx_dropped", std::uint64_t{0});
    r.loss_ratio = j.at("loss_ratio").get<double>();
    r.tx_rate_pps = j.at("tx_rate_pps").get<double>();
    r.tx_max_late_us = j.value("tx_max_late_us", 0.0);
    const json& l = j.at("latency");
    r.latency.count = l.at("count").get<std::uint64_t>();
    r.latency.min = l.at("min").get<std::uint64_t>();
    r.latency.mean = l.at("mean").get<double>();
    r.latency.p50 = l.at("p50").get<std::uint64_t>();
    r.latency.p90 = l.at("p90").get<std::uint64_t>();
    r.latency.p99 = l.at("p99").get<std::uint64_t>();
    r.latency.p999 = l.at("p999").get<std::uint64_t>();
    r.latency.max = l.at("max").get<std::uint64_t>();
    return r;
  } catch (const json::exception& e) {
    throw Error(fmt::format("cnfctl-gen answered a malformed trial result: {}", e.what()));
  }
}

TrialResult trial_result_from_json(const json& j) {
  if (!j.value("ok", false)) {
    throw Error(fmt::format("cnfctl-gen refused the trial: {}", j.value("error", j.dump())));
  }
  TrialResult r;
  r.total = stream_result_from_json(j);
  r.total.name = "total";
  try {
    r.rate_pps = j.at("rate_pps").get<double>();
    r.duration_s = j.at("duration_s").get<double>();
    const json& f = j.at("frame_size");
    r.frame_size = f.is_string() ? 0 : f.get<std::uint32_t>();
    for (const auto& d : j.at("directions")) r.directions.push_back(stream_result_from_json(d));
  } catch (const json::exception& e) {
    throw Error(fmt::format("cnfctl-gen answered a malformed trial result: {}", e.what()));
  }
  return r;
}

void finish(StreamResult* r) {
  r->loss_ratio = r->sent == 0 ? 0.0 : static_cast<double>(r->lost) / static_cast<double>(r->sent);
}

StreamResult sum_results(const std::vector<StreamResult>& parts, const Histogram& merged) {
  StreamResult t;
  t.name = "total";
  for (const auto& p : parts) {
    t.sent += p.sent;
    t.received += p.received;
    t.lost += p.lost;
    t.duplicated += p.duplicated;
    t.reordered += p.reordered;
    t.tx_dropped += p.tx_dropped;
    t.tx_rate_pps += p.tx_rate_pps;
    t.tx_max_late_us = std::max(t.tx_max_late_us, p.tx_max_late_us);
  }
  t.latency = merged.summary();
  finish(&t);
  return t;
}

}  // namespace cnfctl::trafficgen
