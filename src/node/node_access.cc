#include "node/node_access.h"

#include <fmt/format.h>

#include "common/error.h"
#include "process/local_runner.h"
#include "process/ssh_runner.h"

namespace cnfctl::node {

using nlohmann::json;

std::string NodeAccess::address() const {
  return remote ? process::ssh_display_name(ssh) : std::string("local");
}

NodeAccess access_of(const topology::Node& node) {
  NodeAccess access;
  access.name = node.name;
  if (node.type != topology::NodeKind::kSsh || !node.ssh) return access;
  access.remote = true;
  access.ssh.node = node.name;
  access.ssh.host = node.ssh->host;
  access.ssh.port = node.ssh->port;
  access.ssh.user = node.ssh->user;
  access.ssh.identity_file = node.ssh->key;
  access.ssh.sudo = node.ssh->uses_sudo();
  access.ssh.ssh_options = node.ssh->ssh_options;
  return access;
}

json to_json(const NodeAccess& access) {
  if (!access.remote) return {{"name", access.name}, {"type", "local"}};
  json j = {{"name", access.name},
            {"type", "ssh"},
            {"host", access.ssh.host},
            {"port", access.ssh.port},
            {"user", access.ssh.user},
            {"sudo", access.ssh.sudo},
            {"ssh_options", access.ssh.ssh_options}};
  j["identity_file"] = access.ssh.identity_file ? json(*access.ssh.identity_file) : json(nullptr);
  return j;
}

NodeAccess node_access_from_json(const json& j) {
  NodeAccess access;
  try {
    access.name = j.at("name").get<std::string>();
    const auto type = j.at("type").get<std::string>();
    if (type == "local") return access;
    if (type != "ssh") throw Error(fmt::format("unknown node type '{}'", type));
    access.remote = true;
    access.ssh.node = access.name;
    access.ssh.host = j.at("host").get<std::string>();
    access.ssh.port = j.at("port").get<std::uint16_t>();
    access.ssh.user = j.at("user").get<std::string>();
    access.ssh.sudo = j.at("sudo").get<bool>();
    access.ssh.ssh_options = j.at("ssh_options").get<std::vector<std::string>>();
    if (!j.at("identity_file").is_null()) {
      access.ssh.identity_file = j.at("identity_file").get<std::string>();
    }
  } catch (const json::exception& e) {
    throw Error(fmt::format("damaged node record: {}", e.what()));
  }
  process::validate_ssh_options(access.ssh);
  return access;
}

std::unique_ptr<process::Runner> make_runner(const NodeAccess& access) {
  if (!access.remote) return std::make_unique<process::LocalRunner>();
  return std::make_unique<process::SshRunner>(access.ssh);
}

std::map<std::string, std::unique_ptr<process::Runner>> make_runners(
    const std::vector<NodeAccess>& nodes) {
  std::map<std::string, std::unique_ptr<process::Runner>> runners;
  for (const auto& n : nodes) runners[n.name] = make_runner(n);
  return runners;
}

void connect(process::Runner& runner) {
  if (auto* ssh = dynamic_cast<process::SshRunner*>(&runner)) ssh->connect();
}

std::size_t connections_opened(const process::Runner& runner) {
  if (const auto* ssh = dynamic_cast<const process::SshRunner*>(&runner)) {
    return ssh->connections_opened();
  }
  return 0;
}

}  // namespace cnfctl::node
