#include "engine/docker_api.h"

#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace cnfctl::engine {
namespace {

using nlohmann::json;

// "[IP:]HOST_PORT:CONTAINER_PORT/PROTO" -> ExposedPorts / PortBindings, or false.
bool add_port(const std::string& text, json& config, json& host) {
  const auto slash = text.rfind('/');
  if (slash == std::string::npos) return false;
  const std::string proto = text.substr(slash + 1);
  const std::string ports = text.substr(0, slash);
  const auto last = ports.rfind(':');
  if (last == std::string::npos) return false;
  const std::string container_port = ports.substr(last + 1);
  const std::string rest = ports.substr(0, last);
  const auto first = rest.rfind(':');
  const std::string host_ip = first == std::string::npos ? "" : rest.substr(0, first);
  const std::string host_port = first == std::string::npos ? rest : rest.substr(first + 1);
  const std::string key = container_port + "/" + proto;
  config["ExposedPorts"][key] = json::object();
  host["PortBindings"][key].push_back({{"HostIp", host_ip}, {"HostPort", host_port}});
  return true;
}

}  // namespace

std::string docker_context() {
  if (const char* env = std::getenv("DOCKER_CONTEXT"); env != nullptr && *env != '\0') return env;
  std::string dir;
  if (const char* config = std::getenv("DOCKER_CONFIG"); config != nullptr && *config != '\0') {
    dir = config;
  } else if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    dir = std::string(home) + "/.docker";
  } else {
    return {};
  }
  std::ifstream in(dir + "/config.json");
  if (!in) return {};
  std::stringstream text;
  text << in.rdbuf();
  const auto config = json::parse(text.str(), nullptr, false);
  if (!config.is_object() || !config.contains("currentContext") ||
      !config["currentContext"].is_string()) {
    return {};
  }
  return config["currentContext"].get<std::string>();
}

std::optional<DockerCreateRequest> docker_create_request(const std::vector<std::string>& run_args) {
  if (run_args.empty() || run_args.front() != "run") return std::nullopt;
  DockerCreateRequest request;
  json config = json::object();
  json host = json::object();
  const std::set<std::string> with_value = {"--name",
                                            "--network",
                                            "--hostname",
                                            "--cgroup-parent",
                                            "--cpuset-cpus",
                                            "--cpuset-mems",
                                            "--publish",
                                            "--env",
                                            "--volume",
                                            "--cap-add",
                                            "--cap-drop",
                                            "--security-opt",
                                            "--device-cgroup-rule",
                                            "--tmpfs",
                                            "--cidfile"};
  std::size_t i = 1;
  for (; i < run_args.size(); ++i) {
    const std::string& arg = run_args[i];
    if (arg.rfind("--", 0) != 0) break;  // the image
    if (arg == "--detach") continue;
    if (arg == "--init") {
      host["Init"] = true;
      continue;
    }
    if (arg == "--privileged") {
      host["Privileged"] = true;
      continue;
    }
    if (with_value.count(arg) == 0 || i + 1 >= run_args.size()) return std::nullopt;
    const std::string& value = run_args[++i];
    if (arg == "--name") {
      request.name = value;
    } else if (arg == "--network") {
      host["NetworkMode"] = value;
      if (value == "none") config["NetworkDisabled"] = true;
    } else if (arg == "--hostname") {
      config["Hostname"] = value;
    } else if (arg == "--cgroup-parent") {
      host["CgroupParent"] = value;
    } else if (arg == "--cpuset-cpus") {
      host["CpusetCpus"] = value;
    } else if (arg == "--cpuset-mems") {
      host["CpusetMems"] = value;
    } else if (arg == "--publish") {
      if (!add_port(value, config, host)) return std::nullopt;
    } else if (arg == "--env") {
      config["Env"].push_back(value);
    } else if (arg == "--volume") {
      host["Binds"].push_back(value);  // the CLI's HOST:GUEST[:ro] is the API's too
    } else if (arg == "--cap-add") {
      host["CapAdd"].push_back(value);
    } else if (arg == "--cap-drop") {
      host["CapDrop"].push_back(value);
    } else if (arg == "--security-opt") {
      if (value == "systempaths=unconfined") {
        // The CLI turns this one into empty masked and read-only path lists itself.
        host["MaskedPaths"] = json::array();
        host["ReadonlyPaths"] = json::array();
      } else if (value == "seccomp=unconfined") {
        host["SecurityOpt"].push_back(value);
      } else {
        return std::nullopt;  // a profile file the CLI would read
      }
    } else if (arg == "--device-cgroup-rule") {
      host["DeviceCgroupRules"].push_back(value);
    } else if (arg == "--tmpfs") {
      const auto colon = value.find(':');
      host["Tmpfs"][value.substr(0, colon)] =
          colon == std::string::npos ? "" : value.substr(colon + 1);
    } else if (arg == "--cidfile") {
      request.cid_file = value;
    }
  }
  if (i >= run_args.size() || request.name.empty()) return std::nullopt;
  config["Image"] = run_args[i];
  json command = json::array();
  for (++i; i < run_args.size(); ++i) command.push_back(run_args[i]);
  if (!command.empty()) config["Cmd"] = command;
  config["HostConfig"] = host;
  request.body = std::move(config);
  return request;
}

std::string docker_socket_path(const std::string& host) {
  std::string address = host;
  if (address.empty()) {
    const char* env = std::getenv("DOCKER_HOST");
    if (env != nullptr && *env != '\0') {
      address = env;
    } else if (const auto context = docker_context(); !context.empty() && context != "default") {
      return {};  // a context may point anywhere: the CLI knows where
    } else {
      address = "unix:///var/run/docker.sock";
    }
  }
  const std::string scheme = "unix://";
  if (address.rfind(scheme, 0) != 0 || address.size() == scheme.size()) return {};
  return address.substr(scheme.size());
}

}  // namespace cnfctl::engine
