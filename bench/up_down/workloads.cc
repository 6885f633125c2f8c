#include "workloads.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <stdexcept>

#include "engine/oci_config.h"

namespace cnfctl::bench {
namespace {

// Every value written into YAML or a script comes from the benchmark itself (names, paths it
// made, numbers); JSON quoting keeps YAML and bash (single-quoted) literals intact anyway.
std::string yaml_list(const std::vector<std::string>& items) {
  std::vector<std::string> quoted;
  for (const auto& item : items) quoted.push_back(nlohmann::json(item).dump());
  return "[" + fmt::format("{}", fmt::join(quoted, ", ")) + "]";
}

std::string sh_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  if (!out.flush()) throw std::runtime_error("cannot write " + path);
}

std::string topology_yaml(const CommandTopology& t) {
  std::string engine = "engine:\n  kind: " + t.engine + "\n";
  if (!t.runtime.empty()) engine += "  runtime: " + t.runtime + "\n";
  if (!t.engine_host.empty()) engine += "  host: " + t.engine_host + "\n";
  return fmt::format(
      "# bench/up_down: {count} `command` NFs, ready once started (no probe)\n"
      "name: {run}\n{engine}image: {image}\npaths:\n  socket_dir: {socket_dir}\n"
      "containers:\n  - prefix: c\n    count: {count}\n    nf:\n      kind: command\n"
      "      argv: {argv}\n",
      fmt::arg("count", t.count), fmt::arg("run", t.run), fmt::arg("engine", engine),
      fmt::arg("image", t.image), fmt::arg("socket_dir", t.socket_dir),
      fmt::arg("argv", yaml_list(t.argv)));
}

LoopScripts write_loop_scripts(const std::string& dir, const std::string& runtime,
                               const std::vector<engine::ContainerSpec>& specs,
                               const engine::NodeFacts& facts) {
  LoopScripts scripts{.up = dir + "/up.sh",
                      .prepare = dir + "/prepare.sh",
                      .run = dir + "/run.sh",
                      .down = dir + "/down.sh",
                      .runtime_root = dir + "/runtime"};
  const std::string header = fmt::format(
      "#!/bin/bash\n# The serial shell loop of issue 12 (written by bench/up_down).\nset -eu\n"
      "R=({} --root {})\n",
      runtime, sh_quote(scripts.runtime_root));
  std::string up = header, prepare = header, run = header, down = header;
  for (const auto& spec : specs) {
    const std::string d = sh_quote(dir + "/" + spec.name);
    const std::string name = sh_quote(spec.name);
    engine::OciBundleSettings bundle{
        .rootfs = dir + "/" + spec.name + "/rootfs",
        .cgroups_path = "/cnfctl/oci/" + spec.name,
        .nofile_limit = std::min<std::uint64_t>(facts.nofile_hard_limit, 1048576),
        .capability_bounding_set = facts.capability_bounding_set};
    const std::string make_bundle = fmt::format(
        "d={0}\nmkdir -p \"$d/rootfs\" \"$d/upper\" \"$d/work\"\n"
        "mount -t overlay overlay -o \"lowerdir=/,upperdir=$d/upper,workdir=$d/work\" "
        "\"$d/rootfs\"\ncat >\"$d/config.json\" <<'CONFIG'\n{1}\nCONFIG\n",
        d, engine::make_oci_config(spec, bundle).dump());
    // Detached, the runtime hands its stdio to the container: a log file, as cnfctl does.
    const std::string start = fmt::format(
        "\"${{R[@]}}\" run -d --bundle {0} {1} </dev/null >{0}/container.log 2>&1\n", d, name);
    up += make_bundle + start + fmt::format("\"${{R[@]}}\" exec {} true\n", name);
    prepare += make_bundle;
    run += start;
    // sleep as PID 1 ignores SIGTERM: `delete -f` kills it.
    down += fmt::format(
        "\"${{R[@]}}\" kill {0} || true\n\"${{R[@]}}\" delete -f {0}\numount {1}/rootfs\n", name,
        d);
  }
  write_file(scripts.up, up);
  write_file(scripts.prepare, prepare);
  write_file(scripts.run, run);
  write_file(scripts.down, down);
  return scripts;
}

std::string compose_commands_script(const std::vector<std::string>& podman,
                                    const std::string& image,
                                    const std::vector<engine::ContainerSpec>& specs,
                                    std::uint64_t nofile_limit) {
  std::string cli;
  for (const auto& word : podman) cli += (cli.empty() ? "" : " ") + sh_quote(word);
  std::string up, stop, rm;
  for (const auto& spec : specs) {
    std::string run =
        cli + " run --name=" + sh_quote(spec.name) +
        " -d --init --network none --cgroup-parent /cnfctl/podman" +
        fmt::format(" --ulimit nofile={0}:{0} --ulimit nproc=4096:4096", nofile_limit);
    if (!spec.cpuset_cpus.empty()) {
      run += " --cpuset-cpus " + engine::cpu_list_text(spec.cpuset_cpus);
    }
    for (const auto& [key, value] : spec.full_env()) run += " -e " + sh_quote(key + "=" + value);
    run += " " + sh_quote(image);
    for (const auto& word : spec.effective_command()) run += " " + sh_quote(word);
    up += run + " >/dev/null\n";
    stop += cli + " stop -t 1 " + sh_quote(spec.name) + " >/dev/null\n";
    rm += cli + " rm " + sh_quote(spec.name) + " >/dev/null\n";
  }
  return "#!/bin/bash\n# podman-compose 1.0.3's commands for these containers (bench/up_down)\n"
         "set -eu\ncase $1 in\nup)\n" +
         up + ";;\ndown)\n" + stop + rm + ";;\nesac\n";
}

std::string compose_yaml(const std::string& engine, const std::string& image,
                         const std::vector<engine::ContainerSpec>& specs,
                         std::uint64_t nofile_limit) {
  std::string text =
      "# bench/up_down: the same containers as cnfctl's run\nversion: \"2.4\"\nservices:\n";
  for (const auto& spec : specs) {
    text += fmt::format(
        "  {0}:\n    container_name: {0}\n    hostname: {0}\n    image: {1}\n    command: {2}\n"
        "    network_mode: none\n    cgroup_parent: /cnfctl/{3}\n    init: true\n"
        "    ulimits:\n      nofile: {{soft: {4}, hard: {4}}}\n"
        "      nproc: {{soft: 4096, hard: 4096}}\n",
        spec.name, image, yaml_list(spec.effective_command()), engine, nofile_limit);
    if (!spec.cpuset_cpus.empty()) {
      text += fmt::format("    cpuset: \"{}\"\n", engine::cpu_list_text(spec.cpuset_cpus));
    }
    text += "    environment:\n";
    for (const auto& [key, value] : spec.full_env()) {
      text += fmt::format("      {}: {}\n", key, nlohmann::json(value).dump());
    }
  }
  return text;
}

}  // namespace cnfctl::bench
