#include "measure/chain_trials.h"

#include <fmt/format.h>

#include <algorithm>
#include <future>
#include <thread>

#include "common/error.h"
#include "common/poll.h"
#include "nf/nf_process.h"

namespace cnfctl::measure {

namespace {

using Clock = std::chrono::steady_clock;

// cnfctl-gen answers its control socket within moments once it is up (`up` verified it).
constexpr std::chrono::seconds kConnectTimeout{20};
// ... and its memif links come up once the NFs behind them are (clients connect on start).
constexpr std::chrono::seconds kLinksTimeout{30};

bool is_trafficgen(const plan::PlannedContainer& c) {
  return topology::to_string(c.nf.kind) == "trafficgen";
}

// A generator container runs cnfctl-gen: the `trafficgen` NF, or a `command` NF whose argv
// starts it with a control socket (topology kind none: the user wires memif by hand).
bool is_generator(const plan::PlannedContainer& c) {
  if (c.role != topology::Role::kGenerator) return false;
  if (is_trafficgen(c)) return true;
  const auto& argv = c.nf.argv;
  const bool gen = std::any_of(argv.begin(), argv.end(), [](const std::string& a) {
    return a == "cnfctl-gen" || a.ends_with("/cnfctl-gen");
  });
  return gen && std::find(argv.begin(), argv.end(), "--control") != argv.end();
}

bool has_counters(const plan::PlannedContainer& c) {
  return !c.links.empty() && !is_generator(c) &&
         (c.nf.kind == topology::NfKind::kTestpmd || c.nf.kind == topology::NfKind::kVpp ||
          is_trafficgen(c));
}

// The host path of a generator's control socket: its argv's `--control GUEST` seen through the
// container's bind mounts.
std::string control_socket_host_path(const plan::PlannedContainer& c) {
  const auto& argv = c.nf.argv;
  auto it = std::find(argv.begin(), argv.end(), "--control");
  if (it == argv.end() || std::next(it) == argv.end()) {
    throw Error(fmt::format("container {}: its cnfctl-gen has no --control socket", c.name));
  }
  const std::string guest = *std::next(it);
  const plan::PlannedMount* best = nullptr;
  for (const auto& m : c.mounts) {
    const bool under = guest == m.guest || guest.rfind(m.guest + "/", 0) == 0;
    if (under && (!best || m.guest.size() > best->guest.size())) best = &m;
  }
  if (!best) {
    throw Error(
        fmt::format("container {}: the control socket {} is not in a directory the "
                    "container shares with its node",
                    c.name, guest));
  }
  return best->host + guest.substr(best->guest.size());
}

trafficgen::StreamResult sum_streams(const std::vector<const trafficgen::StreamResult*>& parts,
                                     const std::string& name) {
  trafficgen::StreamResult s;
  s.name = name;
  double weighted[5] = {0, 0, 0, 0, 0};
  std::uint64_t min = UINT64_MAX;
  for (const auto* p : parts) {
    s.sent += p->sent;
    s.received += p->received;
    s.lost += p->lost;
    s.duplicated += p->duplicated;
    s.reordered += p->reordered;
    s.tx_dropped += p->tx_dropped;
    s.tx_rate_pps += p->tx_rate_pps;
    const auto& l = p->latency;
    if (l.count == 0) continue;
    s.latency.count += l.count;
    min = std::min(min, l.min);
    s.latency.max = std::max(s.latency.max, l.max);
    const double w = static_cast<double>(l.count);
    weighted[0] += l.mean * w;
    weighted[1] += static_cast<double>(l.p50) * w;
    weighted[2] += static_cast<double>(l.p90) * w;
    weighted[3] += static_cast<double>(l.p99) * w;
    weighted[4] += static_cast<double>(l.p999) * w;
  }
  if (s.latency.count > 0) {
    const double n = static_cast<double>(s.latency.count);
    s.latency.min = min;
    s.latency.mean = weighted[0] / n;
    s.latency.p50 = static_cast<std::uint64_t>(weighted[1] / n);
    s.latency.p90 = static_cast<std::uint64_t>(weighted[2] / n);
    s.latency.p99 = static_cast<std::uint64_t>(weighted[3] / n);
    s.latency.p999 = static_cast<std::uint64_t>(weighted[4] / n);
  }
  s.loss_ratio = s.sent > 0 ? static_cast<double>(s.lost) / static_cast<double>(s.sent) : 0.0;
  return s;
}

void wait_for_links(trafficgen::GenClient& client) {
  decltype(client.ping()) ping;
  const bool up = poll_until(
      [&] {
        ping = client.ping();
        return trafficgen::all_links_up(ping);
      },
      Clock::now() + kLinksTimeout,
      Backoff(std::chrono::milliseconds(5), std::chrono::milliseconds(200)));
  if (!up) {
    throw Error(fmt::format("the generator's memif links did not come up within {} s: {}",
                            kLinksTimeout.count(), ping.dump()));
  }
}

}  // namespace

bool has_cnfctl_gen(const plan::Plan& plan) {
  return std::any_of(plan.containers.begin(), plan.containers.end(), is_generator);
}

trafficgen::TrialResult sum_generators(const std::vector<trafficgen::TrialResult>& parts) {
  if (parts.size() == 1) return parts.front();
  trafficgen::TrialResult sum;
  std::vector<const trafficgen::StreamResult*> totals;
  for (const auto& p : parts) {
    sum.rate_pps += p.rate_pps;
    sum.duration_s = std::max(sum.duration_s, p.duration_s);
    sum.frame_size = p.frame_size;
    totals.push_back(&p.total);
  }
  sum.total = sum_streams(totals, "total");
  // Directions of the same name add up across generators.
  std::vector<std::string> names;
  for (const auto& p : parts) {
    for (const auto& d : p.directions) {
      if (std::find(names.begin(), names.end(), d.name) == names.end()) names.push_back(d.name);
    }
  }
  for (const auto& name : names) {
    std::vector<const trafficgen::StreamResult*> same;
    for (const auto& p : parts) {
      for (const auto& d : p.directions) {
        if (d.name == name) same.push_back(&d);
      }
    }
    sum.directions.push_back(sum_streams(same, name));
  }
  return sum;
}

ChainTrials::ChainTrials(const plan::Plan& plan, run::RunEnvironment& env, TrialShape shape)
    : plan_(plan), env_(env), shape_(shape) {
  for (const auto& c : plan.containers) {
    if (is_generator(c)) {
      auto ctx = env.context_of(c);
      const auto path = nf::node_socket(ctx, control_socket_host_path(c));
      try {
        clients_.push_back(std::make_unique<trafficgen::GenClient>(path, kConnectTimeout));
        wait_for_links(*clients_.back());
      } catch (Error& e) {
        throw e.at("container " + c.name);
      }
      generator_names_.push_back(c.name);
    } else if (has_counters(c)) {
      counted_.push_back(&c);
    }
  }
  require_input(!clients_.empty(), "run " + plan.run,
                fmt::format("run {} has no traffic generator to measure with: give the chain a "
                            "container with `role: generator` and `nf: trafficgen` "
                            "(cnfctl-gen)",
                            plan.run));
}

ChainTrials::~ChainTrials() = default;

int ChainTrials::streams() const {
  const int per = shape_.direction == trafficgen::Direction::kBoth ? 2 : 1;
  return per * static_cast<int>(clients_.size());
}

std::vector<std::vector<nf::PortCounters>> ChainTrials::read_counters(
    std::vector<std::string>& notes) {
  std::vector<std::vector<nf::PortCounters>> all(counted_.size());
  std::vector<std::optional<std::string>> failures(counted_.size());
  run::for_each_parallel(counted_.size(), 0, [&](std::size_t i) {
    try {
      auto ctx = env_.context_of(*counted_[i]);
      all[i] = env_.driver_of(*counted_[i]).counters(ctx);
    } catch (const std::exception& e) {
      failures[i] = fmt::format("{}: counters not read: {}", counted_[i]->name, e.what());
    }
  });
  for (auto& f : failures) {
    if (f && std::find(notes.begin(), notes.end(), *f) == notes.end()) notes.push_back(*f);
  }
  return all;
}

TrialRecord ChainTrials::run(double rate_pps, double duration_s, bool read_hops) {
  trafficgen::TrialRequest request;
  request.rate_pps = rate_pps / streams();
  request.duration_s = duration_s;
  request.warmup_s = shape_.warmup_s;
  request.frame_size = shape_.frame_size;
  request.flows = shape_.flows;
  request.direction = shape_.direction;
  request.tail_ms = shape_.tail_ms;

  std::vector<std::string> notes;
  std::vector<std::vector<nf::PortCounters>> before;
  Clock::time_point t0;
  if (read_hops) {
    before = read_counters(notes);
    t0 = Clock::now();
  }
  std::vector<std::future<trafficgen::TrialResult>> running;
  for (std::size_t g = 0; g < clients_.size(); ++g) {
    running.push_back(std::async(std::launch::async, [this, g, &request] {
      try {
        return clients_[g]->trial(request);
      } catch (Error& e) {
        throw e.at("generator " + generator_names_[g]);
      }
    }));
  }
  std::vector<trafficgen::TrialResult> parts;
  std::optional<Error> failure;
  for (auto& r : running) {
    try {
      parts.push_back(r.get());
    } catch (const Error& e) {
      if (!failure) failure = e;
    }
  }
  if (failure) throw *failure;

  TrialRecord record;
  record.rate_pps = rate_pps;
  record.duration_s = duration_s;
  record.result = sum_generators(parts);
  if (read_hops) {
    auto hops = counters_between(before, t0, notes);
    record.hops = locate_drops(std::move(hops), plan_, record.result.total.tx_dropped,
                               record.result.total.lost);
    record.hops->notes = std::move(notes);
  }
  return record;
}

std::vector<traffic::HopRate> ChainTrials::counters_between(
    const std::vector<std::vector<nf::PortCounters>>& before, Clock::time_point t0,
    std::vector<std::string>& notes) {
  auto after = read_counters(notes);
  const auto elapsed = Clock::now() - t0;
  std::vector<traffic::HopRate> hops;
  for (std::size_t i = 0; i < counted_.size(); ++i) {
    if (after[i].empty()) continue;
    auto rates = traffic::hop_rates(counted_[i]->name, before[i], after[i], elapsed);
    hops.insert(hops.end(), rates.begin(), rates.end());
  }
  return hops;
}

}  // namespace cnfctl::measure
