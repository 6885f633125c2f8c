// What bench/up_down brings up, written as files: cnfctl topologies of N `command` NFs, the
// serial shell loop of issue 12 as bash scripts, and compose files for docker-compose and
// podman-compose. Pure text builders; nothing here runs anything.
#pragma once

#include <string>
#include <vector>

#include "engine/container_spec.h"
#include "engine/node_facts.h"

namespace cnfctl::bench {

/// A topology of `count` `command` NFs running `argv` (no probe: ready once started).
struct CommandTopology {
  std::string run;
  std::string engine = "oci";  // oci, docker, podman
  std::string runtime{};       // oci/podman: runc or crun; empty: cnfctl's default
  std::string engine_host{};   // docker: the daemon's unix:// address
  std::string image = "host";
  std::string socket_dir;  // paths.socket_dir
  std::size_t count = 16;
  std::vector<std::string> argv = {"sleep", "infinity"};
};
std::string topology_yaml(const CommandTopology& topology);

/// The serial loop of issue 12 for one OCI runtime (runc or crun), as bash scripts under `dir`:
///   up.sh       per container: mkdir, overlay mount of /, config.json, `RUNTIME run -d`, one
///               `RUNTIME exec NAME true`
///   prepare.sh  per container: mkdir, mount, config.json (what up.sh does before `run -d`)
///   run.sh      per container: `RUNTIME run -d` alone (after prepare.sh: the bare run of P4)
///   down.sh     per container: `RUNTIME kill NAME`, `RUNTIME delete -f NAME`, `umount`
/// `specs` carry the names, cpusets and commands; config.json is cnfctl's own builder's
/// (engine/oci_config) with cnfctl's cgroup parent, so both sides run the same containers.
struct LoopScripts {
  std::string up, prepare, run, down;  // script paths
  std::string runtime_root;            // the runtime's --root (state of these containers)
};
LoopScripts write_loop_scripts(const std::string& dir, const std::string& runtime,
                               const std::vector<engine::ContainerSpec>& specs,
                               const engine::NodeFacts& facts);

/// A compose file (version 2.4, read by docker-compose 1.29 and podman-compose 1.0.3) with one
/// service per spec: its name as container_name, `image`, its command, cpuset, cgroup parent
/// /cnfctl/<engine> (podman-compose ignores it), network none, an init (`--init`) and the
/// nofile and nproc limits, as cnfctl runs them. With the init, the command is not PID 1, so
/// SIGTERM ends it at once as it ends cnfctl's NF: a `sleep` as PID 1 ignores it, and `down -t 1`
/// would wait out its second.
std::string compose_yaml(const std::string& engine, const std::string& image,
                         const std::vector<engine::ContainerSpec>& specs,
                         std::uint64_t nofile_limit);

/// A bash script that runs, serially, the podman commands podman-compose 1.0.3 runs for
/// compose_yaml()'s services (`up`: one `run -d` each; `down`: `stop -t 1` each, then `rm` each)
/// without its two defects here: it always adds its own network, which podman refuses beside
/// `network_mode: none` ("cannot set multiple networks"), and it sleeps 1 s after each start.
std::string compose_commands_script(const std::vector<std::string>& podman,
                                    const std::string& image,
                                    const std::vector<engine::ContainerSpec>& specs,
                                    std::uint64_t nofile_limit);

/// Writes `text` to `path`; throws std::runtime_error when it cannot.
void write_file(const std::string& path, const std::string& text);

}  // namespace cnfctl::bench
