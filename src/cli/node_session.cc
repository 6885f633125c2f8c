#include "cli/node_session.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <set>
#include <sstream>

#include "common/error.h"
#include "cpu/machine.h"
#include "process/ssh_command.h"
#include "run/run_environment.h"

namespace cnfctl::cli {

NodeSession open_nodes(const topology::Topology& topology, bool offline, bool offline_hint) {
  NodeSession session;
  session.offline = offline;
  for (const auto& [name, node] : topology.nodes) {
    const bool used = std::any_of(topology.containers.begin(), topology.containers.end(),
                                  [&wanted = name](const auto& g) { return g.node == wanted; });
    if (used) session.nodes.push_back(node::access_of(node));
  }
  session.runners = node::make_runners(session.nodes);
  if (offline) return session;

  // Versions of what the topology uses (its engines' programs, nginx and wrk for nginx NFs):
  // the plan shows them; asking every installed engine its version costs tens of ms each.
  std::vector<std::string> versions;
  for (const auto& n : session.nodes) {
    for (auto& p : node::engine_programs(topology.nodes.at(n.name).engine)) versions.push_back(p);
  }
  for (const auto& g : topology.containers) {
    if (g.nf.kind == topology::NfKind::kNginx) versions.insert(versions.end(), {"nginx", "wrk"});
  }
  std::vector<std::optional<node::NodeSurvey>> surveys(session.nodes.size());
  std::vector<std::optional<Error>> errors(session.nodes.size());
  run::for_each_parallel(session.nodes.size(), 0, [&](std::size_t i) {
    const auto& n = session.nodes[i];
    try {
      surveys[i] = node::survey_node(*session.runners.at(n.name), n.name, versions);
    } catch (const process::SshError& e) {
      auto message = e.message();
      if (offline_hint) {
        message +=
            " (or plan without reaching the node: `cnfctl plan --offline` uses the "
            "node's `lscpu:` text from the file)";
      }
      errors[i] = Error(message).at("node " + n.name);
    } catch (const Error& e) {
      errors[i] = e;
    }
  });
  for (auto& e : errors) {
    if (e) throw *e;
  }
  for (std::size_t i = 0; i < session.nodes.size(); ++i) {
    session.surveys[session.nodes[i].name] = std::move(*surveys[i]);
  }
  return session;
}

plan::PlanOptions plan_options_for(const NodeSession& session, const std::string& run_name,
                                   const std::string& vpp_prefix) {
  plan::PlanOptions options;
  options.run_name = run_name;
  options.vpp_prefix = vpp_prefix;
  const auto* surveys = &session.surveys;
  options.machine_facts = [surveys](const topology::Node& node) -> std::optional<cpu::Machine> {
    // This machine's own sysfs is exact; remote nodes are described by their `lscpu -p`.
    auto it = surveys->find(node.name);
    if (node.type == topology::NodeKind::kSsh && it != surveys->end() &&
        !it->second.lscpu.empty()) {
      return cpu::Machine::from_lscpu(it->second.lscpu, "node " + node.name + " `lscpu -p`");
    }
    return plan::default_machine_facts(node);
  };
  return options;
}

void describe_nodes(plan::Plan& plan, const NodeSession& session) {
  for (auto& n : plan.nodes) {
    auto it = session.surveys.find(n.name);
    if (it == session.surveys.end()) continue;
    const auto& s = it->second;
    if (n.type == topology::NodeKind::kSsh && !s.lscpu.empty()) {
      n.cpu_facts = "`lscpu -p` on the node";
    }
    n.kernel = s.kernel;
    n.cgroup_layout = s.cgroup_layout;
    n.tools = s.tools_summary();
  }
}

void require_engines(const topology::Topology& topology, const NodeSession& session) {
  for (const auto& n : session.nodes) {
    auto it = session.surveys.find(n.name);
    if (it == session.surveys.end()) continue;
    node::require_engine(it->second, n.name, n.address(), topology.nodes.at(n.name).engine);
  }
}

void require_nf_programs(const plan::Plan& plan, NodeSession& session) {
  // testpmd's telemetry socket (SOCK_SEQPACKET) cannot be forwarded by ssh: a python3 client on
  // the node reads it (nf/testpmd/telemetry_batch.h).
  for (const auto& c : plan.containers) {
    if (c.nf.kind != topology::NfKind::kTestpmd) continue;
    auto access = std::find_if(session.nodes.begin(), session.nodes.end(),
                               [&](const auto& n) { return n.name == c.node; });
    auto survey = session.surveys.find(c.node);
    if (access == session.nodes.end() || !access->remote || survey == session.surveys.end()) {
      continue;
    }
    if (survey->second.has("python3")) continue;
    throw Error::bad_input(
        "node " + c.node,
        fmt::format("container {} runs testpmd on node {} ({}), whose DPDK telemetry cnfctl reads "
                    "with python3 on the node, and python3 is not installed there (Debian: "
                    "apt-get install python3-minimal)",
                    c.name, c.node, access->address()));
  }
  std::map<std::string, std::vector<const plan::PlannedContainer*>> by_node;
  for (const auto& c : plan.containers) {
    if (c.image.kind != topology::ImageKind::kHost || c.nf.argv.empty()) continue;
    if (c.nf.argv.front().empty() || c.nf.argv.front().front() != '/') continue;
    by_node[c.node].push_back(&c);
  }
  for (const auto& [node_name, containers] : by_node) {
    auto runner = session.runners.find(node_name);
    if (runner == session.runners.end()) continue;
    // Prints the paths that are not executable files; the paths are arguments, not script.
    process::Command check;
    check.argv = {"sh", "-c", "for p; do [ -f \"$p\" ] && [ -x \"$p\" ] || echo \"$p\"; done",
                  "cnfctl-check"};
    for (const auto* c : containers) check.argv.push_back(c->nf.argv.front());
    check.timeout = std::chrono::seconds(30);
    const auto outcome = process::run_checked(*runner->second, check,
                                              "checking the NF programs on node " + node_name);
    std::set<std::string> missing;
    std::istringstream lines(outcome.out);
    for (std::string line; std::getline(lines, line);) missing.insert(line);
    for (const auto* c : containers) {
      const auto& program = c->nf.argv.front();
      if (!missing.count(program)) continue;
      throw Error::bad_input(
          "container " + c->name,
          fmt::format("{} is not an executable file on node {} ({}); the `host` image runs the "
                      "node's own programs: install the {} NF there, or give its path in the "
                      "file",
                      program, node_name, runner->second->name(), topology::to_string(c->nf.kind)));
    }
  }
}

namespace {

// A path that must exist (or not) on a node, and where the file asks for it.
struct PathCheck {
  std::string node;
  std::string path;
  bool must_exist = true;
  topology::SourceLocation where;
  std::string message;  // the error when the check fails
};

std::string parent_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

std::vector<PathCheck> host_path_checks(const topology::Topology& topology, const plan::Plan& plan,
                                        bool run_exists) {
  std::vector<PathCheck> checks;
  for (const auto& group : topology.containers) {
    for (std::size_t i = 0; i < group.mounts.size(); ++i) {
      const auto& m = group.mounts[i];
      if (!m.create) {
        checks.push_back(
            {group.node, m.host, true, m.where,
             fmt::format("mounts[{}]: host path {} does not exist on node {}; create it first, or "
                         "write the mount as {{host: {}, guest: {}, create: true}} to have cnfctl "
                         "create it (and remove it at `down`)",
                         i, m.host, group.node, m.host, m.guest)});
      } else {
        const auto parent = parent_of(m.host);
        checks.push_back(
            {group.node, parent, true, m.where,
             fmt::format("mounts[{}]: the parent directory {} of host path {} does not exist on "
                         "node {}; `create: true` makes only the last directory",
                         i, parent, m.host, group.node)});
      }
    }
  }
  if (run_exists) return checks;
  std::map<std::string, const topology::ContainerGroup*> group_of;
  for (const auto& g : topology.containers) {
    for (unsigned n = 1; n <= g.count; ++n) group_of[g.container_name(n)] = &g;
  }
  auto must_be_new = [&](const std::string& node, std::string path,
                         const topology::SourceLocation& where, const std::string& what) {
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    checks.push_back(
        {node, path, false, where,
         fmt::format("{} {} exists already on node {} and is not cnfctl's: the run makes it and "
                     "removes it at `down`, so it refuses to use one that exists; remove it, or "
                     "choose another run name (--name) or directory",
                     what, path, node)});
  };
  for (const auto& c : plan.containers) {
    if (!c.links.empty()) {
      must_be_new(c.node, plan.host_socket_dir, topology.paths.where.of("socket_dir"),
                  "the run's memif socket directory");
    }
    const auto it = group_of.find(c.name);
    const auto where = it == group_of.end() ? topology.where.self : it->second->where.of("prefix");
    if (c.dpdk_runtime_dir) {
      must_be_new(c.node, *c.dpdk_runtime_dir, where,
                  fmt::format("container {}'s DPDK runtime directory", c.name));
    }
    if (c.vpp_sockets) {
      must_be_new(c.node, c.vpp_sockets->host_dir, topology.paths.where.of("vpp_socket_base"),
                  fmt::format("container {}'s VPP socket directory", c.name));
    }
  }
  return checks;
}

}  // namespace

void require_host_paths(const topology::Topology& topology, const plan::Plan& plan,
                        NodeSession& session, bool run_exists) {
  std::map<std::string, std::vector<const PathCheck*>> by_node;
  const auto checks = host_path_checks(topology, plan, run_exists);
  for (const auto& c : checks) by_node[c.node].push_back(&c);
  for (const auto& [node_name, node_checks] : by_node) {
    auto runner = session.runners.find(node_name);
    if (runner == session.runners.end()) continue;
    const auto access =
        std::find_if(session.nodes.begin(), session.nodes.end(),
                     [&wanted = node_name](const auto& n) { return n.name == wanted; });
    if (session.offline && access != session.nodes.end() && access->remote) continue;
    // Prints the paths that exist (a dangling symlink too); the paths are arguments, not script.
    process::Command check;
    check.argv = {"sh", "-c",
                  "for p; do if [ -e \"$p\" ] || [ -L \"$p\" ]; then echo \"$p\"; fi; done",
                  "cnfctl-check"};
    for (const auto* c : node_checks) check.argv.push_back(c->path);
    check.timeout = std::chrono::seconds(30);
    const auto outcome = process::run_checked(*runner->second, check,
                                              "checking the host paths on node " + node_name);
    std::set<std::string> existing;
    std::istringstream lines(outcome.out);
    for (std::string line; std::getline(lines, line);) existing.insert(line);
    for (const auto* c : node_checks) {
      if (existing.count(c->path) != static_cast<std::size_t>(c->must_exist)) {
        throw Error::bad_input(c->where.str(), c->message);
      }
    }
  }
}

}  // namespace cnfctl::cli
