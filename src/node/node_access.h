// How to reach a node: this machine, or a host over SSH (SPEC §2, §10). A NodeAccess is made
// from the topology's node, recorded in the run's journal, and turned into the node's runner by
// every command that acts on the run — so `down` after a crash reaches the same nodes without
// the topology file.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "process/runner.h"
#include "process/ssh_command.h"
#include "topology/model.h"

namespace cnfctl::node {

struct NodeAccess {
  std::string name;
  bool remote = false;
  /// Set when `remote`: host, port, user, identity file, sudo and the file's ssh options.
  /// Timeouts and the control directory keep SshOptions' defaults (never recorded).
  process::SshOptions ssh;

  /// "local" or "ssh user@host:port".
  std::string address() const;
};

/// The access of a topology node (validated by the loader).
NodeAccess access_of(const topology::Node& node);

/// The journal form: {"name":..,"type":"local"} or {"name":..,"type":"ssh","host":..,"port":..,
/// "user":..,"identity_file":..,"sudo":..,"ssh_options":[..]}.
nlohmann::json to_json(const NodeAccess& access);
/// Throws cnfctl::Error naming what is damaged (a journal written by hand or truncated), and
/// Error::bad_input when the recorded SSH options are unsafe (validate_ssh_options).
NodeAccess node_access_from_json(const nlohmann::json& json);

/// A LocalRunner, or an SshRunner (not connected yet: it connects on first use).
std::unique_ptr<process::Runner> make_runner(const NodeAccess& access);

/// The runners of `nodes`, by node name.
std::map<std::string, std::unique_ptr<process::Runner>> make_runners(
    const std::vector<NodeAccess>& nodes);

/// Connects `runner` when it is an SshRunner (starts its master); nothing for local runners.
/// Throws process::SshError naming the node and what to do when it cannot be reached.
void connect(process::Runner& runner);

/// SSH master connections `runner` has opened so far (0 for local runners).
std::size_t connections_opened(const process::Runner& runner);

}  // namespace cnfctl::node
