#include "run/run_environment.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <sstream>
#include <thread>

#include "common/error.h"
#include "common/paths.h"
#include "nf/launcher.h"
#include "node/host_veth.h"
#include "process/local_runner.h"
#include "topology/values.h"

namespace cnfctl::run {
namespace {

constexpr std::chrono::milliseconds kDirCommandTimeout{30000};

bool removable(const std::string& path) {
  if (path.size() < 2 || path.front() != '/' || path.find("..") != std::string::npos) {
    return false;
  }
  return std::count(path.begin() + 1, path.end(), '/') >= 1 && path.back() != '/' &&
         !topology::is_system_directory(path);
}

// Makes each directory given as "x:<path>" (exclusive: its parents first) or "c:<path>"
// (create when missing) with a plain mkdir, and says what happened to each, one line per path.
// The paths are positional parameters, never script text.
constexpr const char* kMakeDirsScript =
    "for a; do\n"
    "  p=${a#?:}\n"
    "  case $a in x:*) [ -n \"${p%/*}\" ] && mkdir -p -- \"${p%/*}\" 2>/dev/null ;; esac\n"
    "  if mkdir -- \"$p\" 2>/dev/null; then echo \"created $p\"\n"
    "  elif [ -d \"$p\" ] && [ ! -L \"$p\" ]; then echo \"existed $p\"\n"
    "  elif [ -e \"$p\" ] || [ -L \"$p\" ]; then echo \"failed $p (it exists and is not a "
    "directory)\"\n"
    "  else echo \"failed $p (its parent directory is missing or not writable)\"; fi\n"
    "done\n";

}  // namespace

std::vector<node::NodeAccess> node_accesses(const topology::Topology& topology,
                                            const plan::Plan& plan) {
  std::vector<node::NodeAccess> nodes;
  for (const auto& n : plan.nodes) {
    if (auto it = topology.nodes.find(n.name); it != topology.nodes.end()) {
      nodes.push_back(node::access_of(it->second));
    } else {
      nodes.push_back(node::NodeAccess{n.name, false, {}});
    }
  }
  return nodes;
}

std::vector<EngineRecord> engine_records(const topology::Topology& topology,
                                         const plan::Plan& plan) {
  std::vector<EngineRecord> records;
  for (const auto& c : plan.containers) {
    EngineRecord r;
    r.node = c.node;
    r.kind = std::string(topology::to_string(c.engine));
    if (c.engine == topology::EngineKind::kOci || c.engine == topology::EngineKind::kPodman) {
      r.binary = std::string(topology::to_string(c.runtime));
    }
    r.state_root = join_path(run_dir(), "engines/" + r.kind);
    if (auto it = topology.nodes.find(c.node); it != topology.nodes.end()) {
      if (it->second.engine.host) r.address = *it->second.engine.host;
    }
    if (std::none_of(records.begin(), records.end(),
                     [&](const EngineRecord& e) { return e.node == r.node && e.kind == r.kind; })) {
      records.push_back(r);
    }
  }
  return records;
}

std::vector<NodeVeth> node_veths_of(const plan::Plan& plan) {
  std::vector<NodeVeth> veths;
  for (const auto& c : plan.containers) {
    if (c.veth) veths.push_back({c.node, c.veth->host_if, c.veth->vpp_if, c.veth->host_ip4});
  }
  return veths;
}

std::vector<NodeDir> node_dirs_of(const plan::Plan& plan) {
  std::vector<NodeDir> dirs;
  auto add = [&](const std::string& node, const std::string& path) {
    NodeDir d{node, path};
    while (d.path.size() > 1 && d.path.back() == '/') d.path.pop_back();
    if (!path.empty() && std::none_of(dirs.begin(), dirs.end(), [&](const NodeDir& other) {
          return other.node == d.node && other.path == d.path;
        })) {
      dirs.push_back(d);
    }
  };
  for (const auto& c : plan.containers) {
    for (const auto& m : c.mounts) {
      if (!plan.host_socket_dir.empty() && m.host == plan.host_socket_dir) add(c.node, m.host);
    }
    if (c.dpdk_runtime_dir) add(c.node, *c.dpdk_runtime_dir);
    if (c.vpp_sockets) add(c.node, c.vpp_sockets->host_dir);
  }
  // Host paths of `create: true` mounts: made when missing (not exclusive).
  for (const auto& c : plan.containers) {
    for (const auto& m : c.mounts) {
      if (!m.user || !m.create) continue;
      const auto before = dirs.size();
      add(c.node, m.host);
      if (dirs.size() > before) dirs.back().exclusive = false;
    }
  }
  return dirs;
}

engine::ContainerSpec container_spec(const plan::PlannedContainer& c,
                                     const std::string& launcher_binary) {
  engine::ContainerSpec spec;
  spec.name = c.id;
  spec.image = engine::Image::parse(c.image.str(), "container " + c.name + " image");
  for (int cpu : c.cpus) spec.cpuset_cpus.push_back(static_cast<unsigned>(cpu));
  for (int mem : c.mems) spec.cpuset_mems.push_back(static_cast<unsigned>(mem));
  // The shared policy may give an NF's main thread and data thread the same CPU: a cpuset is a
  // set.
  for (auto* list : {&spec.cpuset_cpus, &spec.cpuset_mems}) {
    std::sort(list->begin(), list->end());
    list->erase(std::unique(list->begin(), list->end()), list->end());
  }
  // Every host path exists before the container: the run made its own directories and
  // `create: true` mount dirs (node_dirs_of), and a user's other host paths were checked to
  // exist. The engine creates nothing (a directory it made would be left behind).
  for (const auto& m : c.mounts) spec.mounts.push_back({m.host, m.guest, m.read_only, false});
  for (const auto& [k, v] : c.env) {
    if (k != engine::kMicroserviceLabel) spec.env[k] = v;
  }
  for (const auto& p : c.ports) {
    spec.ports.push_back(
        {p.host_port, p.container_port, std::string(topology::to_string(p.protocol)), ""});
  }
  spec.privileged = c.privileged;
  spec.network = c.host_network ? engine::Network::kHost : engine::Network::kNone;
  // The container's init starts the NF when its stage opens (nf/launcher.h): no engine exec.
  nf::use_launcher(spec, c.nf, launcher_binary);
  return spec;
}

void for_each_parallel(std::size_t count, std::size_t jobs,
                       const std::function<void(std::size_t)>& work) {
  if (count == 0) return;
  std::size_t threads = jobs == 0 ? count : std::min(jobs, count);
  std::atomic<std::size_t> next{0};
  auto loop = [&] {
    for (auto i = next++; i < count; i = next++) work(i);
  };
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(loop);
  loop();
  for (auto& t : pool) t.join();
}

RunEnvironment::RunEnvironment(
    std::vector<std::pair<EngineRecord, std::unique_ptr<engine::Engine>>> engines,
    std::map<std::string, std::unique_ptr<process::Runner>> runners, DriverFactory drivers)
    : runners_(std::move(runners)), make_driver_(std::move(drivers)) {
  for (auto& [record, engine] : engines) engines_.push_back({record, std::move(engine)});
}

RunEnvironment::RunEnvironment(const std::vector<EngineRecord>& engines,
                               const std::vector<node::NodeAccess>& nodes)
    : RunEnvironment(engines, node::make_runners(nodes)) {}

RunEnvironment::RunEnvironment(const std::vector<EngineRecord>& engines,
                               std::map<std::string, std::unique_ptr<process::Runner>> runners)
    : runners_(std::move(runners)),
      make_driver_([](topology::NfKind kind) { return nf::make_driver(kind); }) {
  make_engines(engines);
}

void RunEnvironment::make_engines(const std::vector<EngineRecord>& engines) {
  for (const auto& record : engines) {
    if (!runners_.count(record.node)) {
      runners_[record.node] = std::make_unique<process::LocalRunner>();
    }
    engine::EngineOptions options;
    if (record.kind == "oci") options.binary = record.binary;
    if (record.kind == "podman" && !record.binary.empty()) options.podman_runtime = record.binary;
    if (record.kind == "docker") options.daemon_host = record.address;
    options.state_root = record.state_root;
    engines_.push_back(
        {record, engine::make_engine(record.kind, *runners_.at(record.node), options)});
  }
}

std::map<std::string, std::string> RunEnvironment::unreachable_nodes() {
  std::vector<std::pair<std::string, process::Runner*>> nodes;
  for (auto& [name, runner] : runners_) nodes.emplace_back(name, runner.get());
  std::vector<std::string> errors(nodes.size());
  for_each_parallel(nodes.size(), 0, [&](std::size_t i) {
    try {
      node::connect(*nodes[i].second);
    } catch (const std::exception& e) {
      errors[i] = e.what();
    }
  });
  std::map<std::string, std::string> result;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (!errors[i].empty()) result[nodes[i].first] = errors[i];
  }
  return result;
}

std::map<std::string, std::size_t> RunEnvironment::ssh_connections() const {
  std::map<std::string, std::size_t> result;
  for (const auto& [name, runner] : runners_) {
    if (runner->name() != "local") result[name] = node::connections_opened(*runner);
  }
  return result;
}

std::string RunEnvironment::address_of(const std::string& node) const {
  auto it = runners_.find(node);
  return it == runners_.end() ? node : it->second->name();
}

engine::Engine& RunEnvironment::engine_of(const plan::PlannedContainer& c) {
  const auto kind = topology::to_string(c.engine);
  for (auto& e : engines_) {
    if (e.record.node == c.node && e.record.kind == kind) return *e.engine;
  }
  throw Error(fmt::format("no {} engine recorded for node {}", kind, c.node))
      .at("container " + c.name);
}

process::Runner& RunEnvironment::runner_of(const std::string& node) {
  auto it = runners_.find(node);
  if (it == runners_.end()) throw Error("no runner for node " + node);
  return *it->second;
}

nf::NfDriver& RunEnvironment::driver_of(const plan::PlannedContainer& c) {
  std::lock_guard lock(drivers_mutex_);
  auto& driver = drivers_[c.name];
  if (!driver) driver = make_driver_(c.nf.kind);
  return *driver;
}

nf::NfContext RunEnvironment::context_of(const plan::PlannedContainer& c) {
  return nf::NfContext{c, engine_of(c), runner_of(c.node)};
}

void RunEnvironment::prepare_nodes() {
  std::vector<std::string> errors(engines_.size());
  for_each_parallel(engines_.size(), 0, [&](std::size_t i) {
    try {
      engines_[i].engine->prepare_node();
    } catch (const Error& e) {
      errors[i] = e.describe();
    }
  });
  for (std::size_t i = 0; i < errors.size(); ++i) {
    if (!errors[i].empty()) {
      throw Error(fmt::format("preparing node {} for {} failed: {}", engines_[i].record.node,
                              engines_[i].record.kind, errors[i]));
    }
  }
}

void RunEnvironment::make_dirs(const std::vector<NodeDir>& dirs,
                               const std::function<void(const NodeDir&, DirOutcome)>& outcome) {
  std::map<std::string, std::vector<const NodeDir*>> by_node;
  for (const auto& d : dirs) by_node[d.node].push_back(&d);
  // Paths this call made on an earlier node. Two nodes may share one filesystem (SSH DUTs in
  // network namespaces of one host): the second then finds the first one's dir, which is this
  // run's all the same. It stays the first node's to remove.
  std::set<std::string> made_here;
  for (const auto& [node, node_dirs] : by_node) {
    process::Command command{.argv = {"sh", "-c", kMakeDirsScript, "cnfctl-mkdir"}};
    for (const auto* d : node_dirs) command.argv.push_back((d->exclusive ? "x:" : "c:") + d->path);
    command.timeout = kDirCommandTimeout;
    process::Outcome result;
    try {
      result = process::run_checked(runner_of(node), command, "creating the run's directories");
    } catch (Error& e) {
      throw e.at("node " + node);
    }
    std::map<std::string, std::string> said;  // path -> "created", "existed", "failed (...)"
    std::istringstream lines(result.out);
    for (std::string line; std::getline(lines, line);) {
      const auto space = line.find(' ');
      if (space == std::string::npos) continue;
      auto rest = line.substr(space + 1);
      std::string why;
      if (const auto paren = rest.find(" ("); paren != std::string::npos) {
        why = rest.substr(paren + 1);
        rest.resize(paren);
      }
      said[rest] = line.substr(0, space) + (why.empty() ? "" : " " + why);
    }
    std::vector<std::string> existed;
    std::vector<std::string> failed;
    for (const auto* d : node_dirs) {
      const auto it = said.find(d->path);
      const std::string what = it == said.end() ? "failed (no answer)" : it->second;
      if (what == "created") {
        outcome(*d, DirOutcome::kCreated);
        made_here.insert(d->path);
      } else if (what == "existed") {
        outcome(*d, DirOutcome::kExisted);
        if (d->exclusive && !made_here.contains(d->path)) existed.push_back(d->path);
      } else {
        outcome(*d, DirOutcome::kFailed);
        failed.push_back(d->path + " " + what.substr(what.find(' ') + 1));
      }
    }
    if (!existed.empty()) {
      throw Error(fmt::format("{} existed already and is not this run's (left untouched): "
                              "remove it or choose another run name or directory",
                              fmt::join(existed, ", ")))
          .at("node " + node);
    }
    if (!failed.empty()) {
      throw Error(fmt::format("cannot create {}", fmt::join(failed, ", "))).at("node " + node);
    }
  }
}

void RunEnvironment::make_veths(const std::vector<NodeVeth>& veths) {
  for (const auto& v : veths) {
    try {
      node::create_host_veth(runner_of(v.node), {v.host_if, v.vpp_if, v.host_ip4});
    } catch (Error& e) {
      throw e.at("node " + v.node);
    }
  }
}

std::vector<std::string> RunEnvironment::remove_veths(const std::vector<NodeVeth>& veths) {
  std::vector<std::string> errors;
  for (const auto& v : veths) {
    try {
      node::remove_host_veth(runner_of(v.node), v.host_if);
    } catch (const std::exception& e) {
      errors.push_back(fmt::format("node {}: veth {}: {}", v.node, v.host_if, e.what()));
    }
  }
  return errors;
}

std::vector<std::string> RunEnvironment::remove_dirs(const std::vector<NodeDir>& dirs) {
  std::vector<std::string> errors;
  std::map<std::string, std::vector<std::string>> made;   // by node: rm -rf
  std::map<std::string, std::vector<std::string>> maybe;  // by node: rmdir when empty
  for (const auto& d : dirs) {
    if (!d.created && !d.attempted) continue;  // never this run's
    if (!removable(d.path)) {
      errors.push_back(fmt::format("node {}: refusing to remove '{}'", d.node, d.path));
      continue;
    }
    (d.created ? made : maybe)[d.node].push_back(d.path);
  }
  for (const auto& [node, paths] : made) {
    process::Command command{.argv = {"rm", "-rf", "--one-file-system", "--"}};
    command.argv.insert(command.argv.end(), paths.begin(), paths.end());
    command.timeout = kDirCommandTimeout;
    try {
      process::run_checked(runner_of(node), command, "removing the run's directories");
    } catch (Error& e) {
      errors.push_back(e.at("node " + node).describe());
    }
  }
  for (const auto& [node, paths] : maybe) {
    // Best effort: a missing or non-empty directory is left as it is, without an error.
    process::Command command{.argv = {"rmdir", "--ignore-fail-on-non-empty", "--"}};
    command.argv.insert(command.argv.end(), paths.begin(), paths.end());
    command.timeout = kDirCommandTimeout;
    try {
      runner_of(node).run(command);
    } catch (const std::exception&) {
    }
  }
  return errors;
}

}  // namespace cnfctl::run
