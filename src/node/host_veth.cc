#include "node/host_veth.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>

#include "common/error.h"

namespace cnfctl::node {

namespace {

constexpr std::chrono::seconds kIpCommandTimeout{20};

std::vector<std::string_view> words_of(std::string_view line) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\\')) ++i;
    const auto start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\\') ++i;
    if (i > start) words.push_back(line.substr(start, i - start));
  }
  return words;
}

template <class F>
void each_line(std::string_view text, F&& f) {
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    f(text.substr(start, end - start));
    start = end + 1;
  }
}

struct Subnet {
  std::uint32_t address = 0;
  unsigned length = 0;
};

std::optional<Subnet> parse_cidr(std::string_view text) {
  Subnet s;
  const auto slash = text.find('/');
  auto dotted = text.substr(0, slash);
  if (slash == std::string_view::npos) {
    s.length = 32;
  } else {
    unsigned length = 0;
    auto digits = text.substr(slash + 1);
    if (digits.empty() || digits.size() > 2) return std::nullopt;
    for (char ch : digits) {
      if (ch < '0' || ch > '9') return std::nullopt;
      length = length * 10 + static_cast<unsigned>(ch - '0');
    }
    if (length > 32) return std::nullopt;
    s.length = length;
  }
  int parts = 0;
  std::uint32_t octet = 0;
  bool digit = false;
  for (char ch : dotted) {
    if (ch == '.') {
      if (!digit || octet > 255) return std::nullopt;
      s.address = (s.address << 8) | octet;
      octet = 0;
      digit = false;
      ++parts;
    } else if (ch >= '0' && ch <= '9') {
      octet = octet * 10 + static_cast<std::uint32_t>(ch - '0');
      digit = true;
      if (octet > 255) return std::nullopt;
    } else {
      return std::nullopt;
    }
  }
  if (!digit || parts != 3) return std::nullopt;
  s.address = (s.address << 8) | octet;
  return s;
}

std::uint32_t mask_of(unsigned length) {
  return length == 0 ? 0 : ~std::uint32_t{0} << (32 - length);
}

process::Command ip_command(std::vector<std::string> args) {
  process::Command command{.argv = {"ip"}};
  command.argv.insert(command.argv.end(), args.begin(), args.end());
  command.timeout = kIpCommandTimeout;
  return command;
}

}  // namespace

std::vector<Ip4InUse> parse_ip4_in_use(std::string_view addr_output,
                                       std::string_view route_output) {
  std::vector<Ip4InUse> used;
  // "2: eth0    inet 192.0.2.2/24 brd 192.0.2.255 scope global eth0\       valid_lft ..."
  each_line(addr_output, [&](std::string_view line) {
    const auto w = words_of(line);
    for (std::size_t i = 0; i + 1 < w.size(); ++i) {
      if (w[i] == "inet" && w.size() > 1 && parse_cidr(w[i + 1])) {
        used.push_back({fmt::format("address {} on {}", w[i + 1], w[1]), std::string(w[i + 1])});
        break;
      }
    }
  });
  // "10.0.0.0/8 via 192.0.2.1 dev eth0", "192.0.2.0/24 dev eth0 proto kernel scope link ..."
  each_line(route_output, [&](std::string_view line) {
    auto w = words_of(line);
    if (!w.empty() && (w[0] == "unicast" || w[0] == "local" || w[0] == "broadcast")) {
      w.erase(w.begin());
    }
    if (w.empty() || w[0] == "default" || !parse_cidr(w[0])) return;
    std::string dev;
    for (std::size_t i = 0; i + 1 < w.size(); ++i) {
      if (w[i] == "dev") dev = std::string(w[i + 1]);
    }
    used.push_back(
        {fmt::format("route {}{}", w[0], dev.empty() ? "" : " dev " + dev), std::string(w[0])});
  });
  return used;
}

bool ip4_subnets_overlap(const std::string& a, const std::string& b) {
  const auto x = parse_cidr(a);
  const auto y = parse_cidr(b);
  if (!x || !y) return false;
  const auto mask = mask_of(std::min(x->length, y->length));
  return (x->address & mask) == (y->address & mask);
}

bool interface_exists(process::Runner& runner, const std::string& name) {
  auto outcome = runner.run(ip_command({"-o", "link", "show", "dev", name}));
  if (outcome.status == process::Outcome::Status::kFailedToStart ||
      outcome.status == process::Outcome::Status::kTimedOut) {
    throw Error(fmt::format("`ip link show dev {}` on {}: {}", name, runner.name(),
                            outcome.describe_status()));
  }
  return outcome.ok();
}

void create_host_veth(process::Runner& runner, const HostVeth& veth) {
  const std::string where = "node " + runner.name();
  for (const auto* name : {&veth.host_if, &veth.vpp_if}) {
    if (interface_exists(runner, *name)) {
      throw Error::bad_input(where, fmt::format("interface {} already exists (left by an earlier "
                                                "run of this name? `cnfctl down` it, or `ip link "
                                                "del {}`)",
                                                *name, *name));
    }
  }
  const auto addresses =
      process::run_checked(runner, ip_command({"-o", "-4", "addr", "show"}), "listing addresses");
  const auto routes =
      process::run_checked(runner, ip_command({"-o", "-4", "route", "show"}), "listing routes");
  for (const auto& used : parse_ip4_in_use(addresses.out, routes.out)) {
    if (ip4_subnets_overlap(used.cidr, veth.host_ip4)) {
      throw Error::bad_input(
          where, fmt::format("veth subnet {} overlaps the {} on the node; choose a subnet that "
                             "exists nowhere else there (e.g. 198.51.100.0/24, TEST-NET-2)",
                             veth.host_ip4, used.what));
    }
  }
  process::run_checked(
      runner,
      ip_command({"link", "add", veth.host_if, "type", "veth", "peer", "name", veth.vpp_if}),
      "creating veth " + veth.host_if);
  try {
    auto sysctl = [&](const std::string& key) {
      process::Command command{.argv = {"sysctl", "-q", "-w", key}};
      command.timeout = kIpCommandTimeout;
      process::run_checked(runner, command, "sysctl " + key);
    };
    sysctl(fmt::format("net.ipv6.conf.{}.disable_ipv6=1", veth.host_if));
    sysctl(fmt::format("net.ipv6.conf.{}.disable_ipv6=1", veth.vpp_if));
    sysctl(fmt::format("net.ipv4.conf.{}.forwarding=0", veth.vpp_if));
    process::run_checked(runner, ip_command({"addr", "add", veth.host_ip4, "dev", veth.host_if}),
                         "addressing veth " + veth.host_if);
    process::run_checked(runner, ip_command({"link", "set", "dev", veth.vpp_if, "up"}),
                         "bringing up veth " + veth.vpp_if);
    process::run_checked(runner, ip_command({"link", "set", "dev", veth.host_if, "up"}),
                         "bringing up veth " + veth.host_if);
  } catch (...) {
    runner.run(ip_command({"link", "del", "dev", veth.host_if}));
    throw;
  }
}

bool remove_host_veth(process::Runner& runner, const std::string& host_if) {
  if (!interface_exists(runner, host_if)) return false;
  process::run_checked(runner, ip_command({"link", "del", "dev", host_if}),
                       "deleting veth " + host_if);
  return true;
}

}  // namespace cnfctl::node
