// Every class of bad input, with the exact location and message a user sees.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "common/error.h"
#include "topology/loader.h"

namespace cnfctl::topology {
namespace {

// The text of the error loading `text` as t.yaml, or "no error".
std::string error_of(std::string_view text) {
  try {
    load_topology_text(text, "t.yaml");
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2) << e.describe();
    return e.describe();
  }
  return "no error";
}

// Found by fuzz/topology_fuzzer: yaml-cpp 0.7's LoadAll() looped forever (allocating) on a
// stray ',' where a node starts; the loader now stops at the first empty document.
TEST(LoaderErrors, StrayCommaEndsAsAnEmptyFile) {
  const std::string empty =
      "t.yaml:1:1: the file is empty; a topology needs at least a "
      "'containers:' list";
  EXPECT_EQ(error_of(","), empty);
  EXPECT_EQ(error_of("# expect: a list\n, where: x\n- prefix: nf\n  count: 3\n"), empty);
  EXPECT_EQ(error_of("- a\n,\n- b\n"),
            "t.yaml:1:1: expected a mapping (key: value lines) at the top level, got a list");
}

// A file whose single group is `group` (a flow mapping's contents) plus `rest`.
std::string with_group(std::string_view group, std::string_view rest = "") {
  return "containers:\n  - {" + std::string(group) + "}\n" + std::string(rest);
}

TEST(LoaderErrors, YamlSyntax) {
  EXPECT_EQ(error_of("containers:\n  - prefix: [nf\n"),
            "t.yaml:3:1: YAML syntax error: end of sequence flow not found (a '[' is never "
            "closed)");
  EXPECT_EQ(error_of("containers:\n  - prefix: nf\n\tcount: 2\n"),
            "t.yaml:3:1: YAML syntax error: a tab character in the indentation (YAML indents "
            "with spaces only)");
  EXPECT_EQ(error_of("cpu:\n  policy: csit\n numa: 0\n"),
            "t.yaml:3:2: YAML syntax error: end of map not found (check the indentation and "
            "where ':' is)");
  // yaml-cpp's position for this one is not meaningful; the message is.
  EXPECT_NE(error_of("a: " + std::string(100000, '['))
                .find("YAML syntax error: bad file (nested "
                      "too deeply"),
            std::string::npos);
  EXPECT_EQ(error_of("containers: [{prefix: a}]\n---\nname: b\n"),
            "t.yaml:3:1: the file holds 2 YAML documents ('---'); a topology file is one");
}

TEST(LoaderErrors, EmptyOrNotAMapping) {
  EXPECT_EQ(error_of(""),
            "t.yaml:1:1: the file is empty; a topology needs at least a 'containers:' list");
  EXPECT_EQ(error_of("# nothing\n"),
            "t.yaml:1:1: the file is empty; a topology needs at least a 'containers:' list");
  EXPECT_EQ(error_of("- prefix: nf\n"),
            "t.yaml:1:1: expected a mapping (key: value lines) at the top level, got a list");
  EXPECT_EQ(error_of("name: x\n"),
            "t.yaml:1:1: the top level: missing key 'containers' (a list "
            "of container groups)");
  EXPECT_EQ(error_of("containers: []\n"),
            "t.yaml:1:13: containers: expected at least one container group, got an empty list");
  EXPECT_EQ(error_of(std::string(kMaxTopologyFileBytes + 1, '#')),
            "t.yaml:1:1: the file is larger than 1048576 bytes, the limit for topology files");
}

TEST(LoaderErrors, WrongTypes) {
  EXPECT_EQ(error_of(with_group("prefix: nf, count: three")),
            "t.yaml:2:25: count: expected a positive integer (1..1024), got 'three'");
  EXPECT_EQ(error_of(with_group("prefix: nf, privileged: maybe")),
            "t.yaml:2:30: privileged: expected true or false, got 'maybe'");
  EXPECT_EQ(error_of(with_group("prefix: [nf]")),
            "t.yaml:2:14: prefix: expected a name prefix, got a list");
  EXPECT_EQ(error_of(with_group("prefix: nf, env: [A=1]")),
            "t.yaml:2:23: env: expected a mapping of NAME: value, got a list");
  EXPECT_EQ(error_of("containers: {prefix: nf}\n"),
            "t.yaml:1:13: containers: expected a list of container groups, got a mapping");
  EXPECT_EQ(error_of(with_group("prefix: nf", "traffic: {duration: 5}\n")),
            "t.yaml:3:21: duration: expected a duration with a unit (500ms, 5s, 2m; at most "
            "24h), got '5'");
  EXPECT_EQ(error_of(with_group("prefix: nf", "traffic: {rate: fast}\n")),
            "t.yaml:3:17: rate: expected packets per second (e.g. 0, 1000000, 500kpps, 10Mpps; "
            "0: as fast as possible), got 'fast'");
  EXPECT_EQ(error_of(with_group("prefix: nf, nf: {kind: vpp, main_heap_size: lots}")),
            "t.yaml:2:50: main_heap_size: expected a size like 2G, 512M or 64K, got 'lots'");
  EXPECT_EQ(error_of(with_group("prefix: nf, count: ")),
            "t.yaml:2:18: count: expected a positive integer (1..1024), got nothing");
}

TEST(LoaderErrors, OutOfRange) {
  EXPECT_EQ(error_of(with_group("prefix: nf, count: 0")),
            "t.yaml:2:25: count: expected a positive integer (1..1024), got '0'");
  EXPECT_EQ(error_of(with_group("prefix: nf, count: -2")),
            "t.yaml:2:25: count: expected a positive integer (1..1024), got '-2'");
  EXPECT_EQ(error_of(with_group("prefix: nf, count: 5000")),
            "t.yaml:2:25: count: expected a positive integer (1..1024), got '5000'");
  EXPECT_EQ(error_of(with_group("prefix: nf, nf: {kind: testpmd, ring_size: 15}")),
            "t.yaml:2:49: ring_size: expected a memif ring size as log2 (1..14), or 0 for "
            "automatic, got '15'");
  EXPECT_EQ(error_of(with_group("prefix: nf", "traffic: {frame_size: 32}\n")),
            "t.yaml:3:23: frame_size: expected a frame size in bytes (64..9216), got '32'");
  EXPECT_EQ(error_of(with_group("prefix: nf", "cpu: {nf_data_cores: 0.7}\n")),
            "t.yaml:3:22: nf_data_cores: expected a whole number of cores (0..64) or 0.5 (one "
            "hyper-thread), got '0.7'");
  EXPECT_EQ(error_of(with_group("prefix: nf", "cpu: {nf_main_ratio: 0}\n")),
            "t.yaml:3:22: nf_main_ratio: expected a positive integer (1..64), got '0'");
}

TEST(LoaderErrors, UnknownKeysAtEveryLevel) {
  EXPECT_EQ(error_of(with_group("prefix: nf", "topology: {kind: chain, nodes_per_chian: 1}\n")),
            "t.yaml:3:25: unknown key 'nodes_per_chian' in topology; did you mean "
            "'nodes_per_chain'?");
  EXPECT_EQ(error_of(with_group("prefix: nf", "contaners: []\n")),
            "t.yaml:3:1: unknown key 'contaners' in the top level; did you mean 'containers'?");
  EXPECT_EQ(error_of(with_group("prefix: nf, cout: 2")),
            "t.yaml:2:18: unknown key 'cout' in container group 'nf'; did you mean 'count'?");
  EXPECT_EQ(error_of(with_group("prefix: nf, name: x")),
            "t.yaml:2:18: unknown key 'name' in container group 'nf'; containers are named "
            "<prefix><n>: write 'prefix'");
  EXPECT_EQ(error_of(with_group("prefix: nf", "cpu: {policy: csit, zzz: 1}\n")),
            "t.yaml:3:21: unknown key 'zzz' in cpu; known keys: policy, numa, vs_data_cores, "
            "nf_data_cores, nf_main_ratio, nf_data_ratio, allow_overlap");
  EXPECT_EQ(error_of(with_group("prefix: nf, nf: {kind: testpmd, forwad_mode: io}")),
            "t.yaml:2:38: unknown key 'forwad_mode' in nf (kind testpmd); did you mean "
            "'forward_mode'?");
  EXPECT_EQ(error_of(with_group("prefix: nf, nf: {kind: testpmd, vppctl: /usr/bin/vppctl}")),
            "t.yaml:2:38: unknown key 'vppctl' in nf (kind testpmd); 'vppctl' is an option of NF "
            "kind vpp (keys here: kind, binary, forward_mode, memory_mb, mbufs, ring_size, "
            "extra_args)");
  EXPECT_EQ(error_of("nodes:\n  dut1: {type: ssh, host: h, prot: 22}\n" + with_group("prefix: a")),
            "t.yaml:2:30: unknown key 'prot' in node 'dut1'; did you mean 'port'?");
  EXPECT_EQ(error_of(with_group("prefix: nf", "engine: {kind: oci, runtme: runc}\n")),
            "t.yaml:3:21: unknown key 'runtme' in engine; did you mean 'runtime'?");
  EXPECT_EQ(error_of(with_group("prefix: nf", "paths: {socket_dirs: /x}\n")),
            "t.yaml:3:9: unknown key 'socket_dirs' in paths; did you mean 'socket_dir'?");
  EXPECT_EQ(error_of(with_group("prefix: nf, mounts: [{host: /a, guest: /b, ro: true}]")),
            "t.yaml:2:49: unknown key 'ro' in mount; known keys: host, guest, read_only, create");
  EXPECT_EQ(error_of(with_group("prefix: nf", "traffic: {durration: 5s}\n")),
            "t.yaml:3:11: unknown key 'durration' in traffic; did you mean 'duration'?");
}

TEST(LoaderErrors, DuplicateKeys) {
  EXPECT_EQ(error_of("containers:\n  - prefix: a\n    count: 1\n    count: 2\n"),
            "t.yaml:4:5: duplicate key 'count' in containers[0] (first written at line 3)");
}

TEST(LoaderErrors, UnsafeNames) {
  EXPECT_EQ(error_of(with_group("prefix: ../x")),
            "t.yaml:2:14: unsafe container prefix '../x': names must match "
            "[A-Za-z0-9][A-Za-z0-9_.-]* because they become paths");
  EXPECT_EQ(error_of(with_group("prefix: \"a;b\"")),
            "t.yaml:2:14: unsafe container prefix 'a;b': names must match "
            "[A-Za-z0-9][A-Za-z0-9_.-]* because they become paths");
  EXPECT_EQ(error_of(with_group("prefix: " + std::string(48, 'a'))),
            "t.yaml:2:14: unsafe container name '" + std::string(48, 'a') +
                "1': it is 49 characters long, the limit is 48");
  EXPECT_EQ(error_of("name: $(reboot)\n" + with_group("prefix: a")),
            "t.yaml:1:7: unsafe topology name '$(reboot)': names must match "
            "[A-Za-z0-9][A-Za-z0-9_.-]* because they become paths");
  EXPECT_EQ(error_of("nodes:\n  \"-oProxyCommand=x\": {}\n" + with_group("prefix: a")),
            "t.yaml:2:3: unsafe node name '-oProxyCommand=x': names must match "
            "[A-Za-z0-9][A-Za-z0-9_.-]* because they become paths");
  EXPECT_EQ(error_of("nodes:\n  d: {host: -oProxyCommand=x}\n" + with_group("prefix: a")),
            "t.yaml:2:13: host: expected a host name or IP address ([A-Za-z0-9._:-], not "
            "starting with '-'), got '-oProxyCommand=x'");
  EXPECT_EQ(error_of("nodes:\n  d: {host: h, user: \"root;id\"}\n" + with_group("prefix: a")),
            "t.yaml:2:22: user: expected a Unix user name ([A-Za-z_][A-Za-z0-9_.-]*), got "
            "'root;id'");
  EXPECT_EQ(error_of("nodes:\n  d: {host: h, ssh_options: [-F/tmp/x]}\n" + with_group("prefix: a")),
            "t.yaml:2:30: ssh_options[0]: expected Option=value (as for ssh -o), got '-F/tmp/x'");
}

TEST(LoaderErrors, DuplicateContainerNames) {
  EXPECT_EQ(error_of("containers:\n  - {prefix: nf, count: 11}\n  - {prefix: nf1, count: 2}\n"),
            "t.yaml:3:14: container name 'nf11' is used twice: by group 'nf' (line 2) and by "
            "group 'nf1'");
}

TEST(LoaderErrors, UnknownKindsListTheKnownOnes) {
  EXPECT_EQ(error_of(with_group("prefix: a", "engine: rkt\n")),
            "t.yaml:3:9: unknown engine 'rkt'; known engines: oci, lxc, docker, podman");
  EXPECT_EQ(error_of(with_group("prefix: a", "engine: dokcer\n")),
            "t.yaml:3:9: unknown engine 'dokcer' (did you mean 'docker'?); known engines: oci, "
            "lxc, docker, podman");
  EXPECT_EQ(error_of(with_group("prefix: a, nf: ovs")),
            "t.yaml:2:21: unknown NF kind 'ovs'; known NF kinds: testpmd, vpp, nginx, command, "
            "trafficgen");
  EXPECT_EQ(error_of(with_group("prefix: a", "topology: {kind: ring}\n")),
            "t.yaml:3:18: unknown topology kind 'ring'; known topology kinds: none, chain, "
            "chain_functional, chain_ip4, pipeline_ip4, cross_horiz, chain_vswitch, "
            "chain_ipsec, chain_dma");
  EXPECT_EQ(
      error_of(with_group("prefix: a", "cpu: {policy: greedy}\n")),
      "t.yaml:3:15: unknown cpu policy 'greedy'; known cpu policies: auto, csit, shared, none");
  EXPECT_EQ(error_of(with_group("prefix: a, role: router")),
            "t.yaml:2:23: unknown role 'router'; known roles: nf, vswitch, generator, sink");
  EXPECT_EQ(error_of(with_group("prefix: a", "engine: {kind: docker, runtime: crun}\n")),
            "t.yaml:3:24: runtime: only the oci and podman engines take a runtime, not docker");
  EXPECT_EQ(error_of(with_group("prefix: a, nf: command")),
            "t.yaml:2:21: nf: kind command needs an argv: write nf: {kind: command, argv: "
            "[program, args...]}");
}

TEST(LoaderErrors, UndefinedNode) {
  EXPECT_EQ(error_of("nodes:\n  dut1: {host: h1}\n  dut2: {host: h2}\n" +
                     with_group("prefix: a, node: dut3")),
            "t.yaml:5:23: node: 'dut3' is not defined under nodes (did you mean 'dut1'?); "
            "defined nodes: dut1, dut2");
  EXPECT_EQ(error_of("nodes:\n  dut1: {host: h1}\n  dut2: {host: h2}\n" + with_group("prefix: a")),
            "t.yaml:5:5: container group 'a': missing key 'node' (the file defines several "
            "nodes: dut1, dut2)");
  EXPECT_EQ(error_of("nodes:\n  local: {host: h1}\n" + with_group("prefix: a")),
            "no error");  // a node named local may be remote; it is still the default
}

TEST(LoaderErrors, UnsafeMounts) {
  EXPECT_EQ(error_of(with_group("prefix: a, mounts: [\"data:/data\"]")),
            "t.yaml:2:26: mounts[0]: host path 'data' is not usable: it must be absolute "
            "(start with '/')");
  EXPECT_EQ(error_of(with_group("prefix: a, mounts: [\"/srv/../etc:/data\"]")),
            "t.yaml:2:26: mounts[0]: host path '/srv/../etc' is not usable: it contains a '..' "
            "component");
  EXPECT_EQ(error_of(with_group("prefix: a, mounts: [\"/a:/b:/c:ro\"]")),
            "t.yaml:2:26: mounts[0]: expected host:guest[:ro|rw] with absolute paths (paths "
            "cannot contain ':'), got '/a:/b:/c:ro'");
  EXPECT_EQ(error_of(with_group("prefix: a, mounts: [\"/a:/b:rx\"]")),
            "t.yaml:2:26: mounts[0]: expected host:guest[:ro|rw] with absolute paths (paths "
            "cannot contain ':'), got '/a:/b:rx'");
  EXPECT_EQ(error_of(with_group("prefix: a, mounts: [{host: /a, guest: \"/b\\nc\"}]")),
            "t.yaml:2:44: guest: expected a guest path (one non-empty line), got '/b\\nc'");
  EXPECT_EQ(error_of(with_group("prefix: a, mounts: [\"/a:/\"]")),
            "t.yaml:2:26: mounts[0]: cannot mount over the container's /");
  EXPECT_EQ(error_of(with_group("prefix: a, mounts: [\"/a:/x\", \"/b:/x/\"]")),
            "t.yaml:2:35: mounts[1]: guest path /x is already mounted (line 2)");
  EXPECT_EQ(error_of(with_group("prefix: a", "image: dir:rootfs\n")),
            "t.yaml:3:8: image: rootfs directory 'rootfs' is not usable: it must be absolute "
            "(start with '/')");
  EXPECT_EQ(error_of(with_group("prefix: a", "paths: {socket_dir: /run/a b}\n")),
            "t.yaml:3:21: socket_dir: host directory '/run/a b' is not usable: it contains a "
            "space");
}

TEST(LoaderErrors, EnvAndPorts) {
  EXPECT_EQ(error_of(with_group("prefix: a, env: {1ABC: x}")),
            "t.yaml:2:23: env: '1ABC' is not a valid variable name ([A-Za-z_][A-Za-z0-9_]*)");
  EXPECT_EQ(error_of(with_group("prefix: a, env: {\"A;B\": x}")),
            "t.yaml:2:23: env: 'A;B' is not a valid variable name ([A-Za-z_][A-Za-z0-9_]*)");
  EXPECT_EQ(error_of(with_group("prefix: a, env: {MICROSERVICE_LABEL: x}")),
            "t.yaml:2:23: env: MICROSERVICE_LABEL is set by cnfctl to each container's name");
  EXPECT_EQ(error_of(with_group("prefix: a, env: {A: [1]}")),
            "t.yaml:2:26: A: expected a string, got a list");
  EXPECT_EQ(error_of(with_group("prefix: a, ports: [\"70000:80\"]", "engine: docker\n")),
            "t.yaml:2:25: ports[0]: expected host:container[/tcp|udp] with ports in 1..65535, "
            "got '70000:80'");
  EXPECT_EQ(error_of(with_group("prefix: a, ports: [0]", "engine: docker\n")),
            "t.yaml:2:25: ports[0]: expected host:container[/tcp|udp] with ports in 1..65535, "
            "got '0'");
  EXPECT_EQ(error_of(with_group("prefix: a, ports: [\"80:80/sctp\"]", "engine: podman\n")),
            "t.yaml:2:25: ports[0]: expected host:container[/tcp|udp] with ports in 1..65535, "
            "got '80:80/sctp'");
  EXPECT_EQ(error_of(with_group("prefix: a, ports: [\"80:80\"]")),
            "t.yaml:2:24: ports: only docker and podman publish ports; node 'local' uses engine "
            "oci");
  EXPECT_EQ(error_of("nodes:\n  d: {host: h, port: 0}\n" + with_group("prefix: a")),
            "t.yaml:2:22: port: expected a TCP port (1..65535), got '0'");
}

TEST(LoaderErrors, EngineAndImage) {
  EXPECT_EQ(error_of(with_group("prefix: a, image: debian:12")),
            "t.yaml:2:24: image 'debian:12' is a registry image, but node 'local' uses engine "
            "oci, which runs 'host' or 'dir:/path' images (use docker or podman for registry "
            "images)");
  EXPECT_EQ(error_of(with_group("prefix: a", "image: \"-it\"\n")),
            "t.yaml:3:8: image: expected host, dir:/absolute/path or an image reference "
            "([A-Za-z0-9][A-Za-z0-9._/:@-]*), got '-it'");
  EXPECT_EQ(error_of(with_group("prefix: a", "engine: {kind: docker, host: /run/d.sock}\n")),
            "t.yaml:3:30: host: expected unix:///absolute/path or tcp://host:port, got "
            "'/run/d.sock'");
  EXPECT_EQ(error_of(with_group("prefix: a", "engine: {kind: oci, host: unix:///x}\n")),
            "t.yaml:3:21: host: only the docker and podman engines take a host, not oci");
}

TEST(LoaderErrors, ChainsTimesNodesPerChain) {
  EXPECT_EQ(error_of(with_group("prefix: nf, count: 5",
                                "topology: {kind: chain, chains: 2, "
                                "nodes_per_chain: 3}\n")),
            "t.yaml:3:53: chains * nodes_per_chain = 2 * 3 = 6, but there are 5 containers with "
            "role nf");
  EXPECT_EQ(error_of(with_group("prefix: nf, count: 5", "topology: {kind: chain, chains: 2}\n")),
            "t.yaml:3:33: chains: 2 chains cannot share the 5 containers with role nf evenly");
  EXPECT_EQ(error_of("nodes: {d1: {host: a}, d2: {host: b}}\ncontainers:\n"
                     "  - {prefix: a, node: d1, count: 2}\n  - {prefix: b, node: d2}\n"
                     "topology: {kind: chain, nodes_per_chain: 2}\n"),
            "t.yaml:5:42: chains * nodes_per_chain = 1 * 2 = 2, but there are 1 containers with "
            "role nf on node 'd2' (each node runs every chain)");
  EXPECT_EQ(error_of(with_group("prefix: g, role: generator", "topology: {kind: chain}\n")),
            "t.yaml:3:18: topology kind chain needs containers with role nf; there are none");
}

TEST(LoaderErrors, TopologyKindRequirements) {
  EXPECT_EQ(error_of(with_group("prefix: w, nf: nginx", "topology: {kind: chain}\n")),
            "t.yaml:2:21: topology kind chain wires memif interfaces, but group 'w' runs nginx, "
            "which has none; use testpmd or vpp, or topology kind none");
  EXPECT_EQ(error_of(with_group("prefix: nf, count: 2",
                                "topology: {kind: cross_horiz, "
                                "interfaces: [\"00:06.0\"]}\n")),
            "t.yaml:2:25: topology kind cross_horiz has exactly one NF per node; node 'local' "
            "has 2");
  EXPECT_EQ(error_of(with_group("prefix: nf", "topology: {kind: cross_horiz}\n")),
            "t.yaml:3:18: topology kind cross_horiz connects the NF to a physical interface; "
            "give topology.interfaces (or interfaces of node 'local')");
  EXPECT_EQ(error_of(with_group("prefix: nf, nf: vpp", "topology: {kind: chain_vswitch}\n")),
            "t.yaml:3:18: topology kind chain_vswitch needs a container group with role vswitch "
            "running vpp on node 'local'");
  EXPECT_EQ(error_of("containers:\n  - {prefix: vs, role: vswitch}\n  - {prefix: nf, nf: vpp}\n"
                     "topology: {kind: chain_ipsec}\n"),
            "t.yaml:2:5: topology kind chain_ipsec runs VPP as the vswitch; group 'vs' runs "
            "testpmd");
  EXPECT_EQ(error_of(with_group("prefix: nf, nf: testpmd", "topology: {kind: chain_dma}\n")),
            "t.yaml:2:22: topology kind chain_dma needs vpp NFs; group 'nf' runs testpmd");
  EXPECT_EQ(error_of("containers:\n  - {prefix: vs, role: vswitch, nf: vpp}\n"
                     "  - {prefix: nf, nf: vpp}\n"
                     "topology: {kind: chain_vswitch, interfaces: [\"00:06.0\"]}\n"),
            "t.yaml:4:45: interfaces: the vswitch of topology kind chain_vswitch bridges 2 "
            "physical interfaces (topology.interfaces or the node's), node 'local' has 1");
  EXPECT_EQ(error_of("containers:\n  - {prefix: vs, role: vswitch, nf: vpp}\n"
                     "  - {prefix: nf, nf: vpp}\ntopology: {kind: chain_ipsec}\n"),
            "t.yaml:4:18: interfaces: the vswitch of topology kind chain_ipsec bridges 2 physical "
            "interfaces (topology.interfaces or the node's), node 'local' has 0");
  EXPECT_EQ(error_of("containers:\n  - {prefix: g, role: generator}\n  - {prefix: h, role: "
                     "generator}\n  - {prefix: nf}\ntopology: {kind: chain}\n"),
            "t.yaml:3:23: node 'local' would run 2 generator containers; a node has at most one");
  EXPECT_EQ(error_of(with_group("prefix: nf, count: 128", "topology: {kind: chain_ip4}\n")),
            "t.yaml:3:18: topology kind chain_ip4 addresses at most 127 NFs per node, this one "
            "has 128");
  EXPECT_EQ(error_of(with_group("prefix: nf", "topology: {kind: chain, ipsec: {}}\n")),
            "t.yaml:3:25: ipsec: only topology kinds chain_vswitch and chain_ipsec take ipsec "
            "addressing, this is chain");
  EXPECT_EQ(error_of(with_group("prefix: nf", "topology: {kind: chain, ports: memif}\n")),
            "t.yaml:3:25: ports: only topology kinds chain_vswitch and chain_ipsec have vswitch "
            "ports, this is chain");
  EXPECT_EQ(error_of("containers:\n  - {prefix: vs, role: vswitch, nf: vpp}\n"
                     "  - {prefix: nf, nf: vpp}\ntopology: {kind: chain_ipsec, ports: memif}\n"),
            "t.yaml:4:38: ports: memif wires DUT1 and DUT2 of topology kind chain_ipsec (the "
            "IPsec tunnels join them): 2 nodes with role nf containers, this file has 1");
  EXPECT_EQ(error_of("nodes:\n  a: {type: local}\n  b: {type: local, interfaces: [\"00:06.0\", "
                     "\"00:07.0\"]}\ncontainers:\n"
                     "  - {prefix: av, role: vswitch, nf: vpp, node: a}\n"
                     "  - {prefix: an, nf: vpp, node: a}\n"
                     "  - {prefix: bv, role: vswitch, nf: vpp, node: b}\n"
                     "  - {prefix: bn, nf: vpp, node: b}\n"
                     "topology: {kind: chain_vswitch, ports: memif}\n"),
            "t.yaml:3:32: interfaces: with ports: memif the vswitch has no physical interfaces; "
            "node 'b' lists 2");
  EXPECT_EQ(error_of("x: &a {prefix: nf}\ncontainers:\n  - <<: *a\n"),
            "t.yaml:1:1: unknown key 'x' in the top level; known keys: name, engine, image, "
            "nodes, paths, containers, topology, cpu, traffic");
  EXPECT_EQ(error_of("containers:\n  - <<: {prefix: nf}\n    count: 2\n"),
            "t.yaml:2:5: YAML merge keys ('<<') are not supported (in containers[0]); write the "
            "keys out");
  EXPECT_EQ(error_of("containers:\n  - {prefix: vs, role: vswitch, count: 2}\n"),
            "t.yaml:2:40: node 'local' would run 2 vswitch containers; a node has at most one");
  EXPECT_EQ(error_of(with_group("prefix: nf", "topology: {kind: chain, rx_mode: polling}\n")),
            "t.yaml:3:25: rx_mode: only topology kind chain_functional takes an rx_mode, this is "
            "chain");
  EXPECT_EQ(error_of(with_group("prefix: nf",
                                "topology: {kind: chain_ip4, tg_mac: "
                                "[\"02:00:00:00:00:01\"]}\n")),
            "t.yaml:3:37: tg_mac: expected two MAC addresses like 02:00:00:00:00:01 (TG port 1 "
            "and port 2), got 1");
  EXPECT_EQ(error_of(with_group("prefix: nf",
                                "topology: {kind: chain_ip4, tg_mac: "
                                "[\"02:00:00:00:00:01\", \"zz\"]}\n")),
            "t.yaml:3:59: tg_mac[1]: expected MAC addresses like 02:00:00:00:00:01, got 'zz'");
  EXPECT_EQ(error_of(with_group("prefix: nf", "topology: {kind: chain, interfaces: [eth0]}\n")),
            "t.yaml:3:38: interfaces[0]: expected a PCI address like 0000:00:06.0, got 'eth0'");
}

TEST(LoaderErrors, NodeChecks) {
  EXPECT_EQ(error_of("nodes:\n  l: {type: local, user: x}\n" + with_group("prefix: a")),
            "t.yaml:2:20: user: only ssh nodes take 'user'; node 'l' has type local");
  EXPECT_EQ(error_of("nodes:\n  d: {type: ssh}\n" + with_group("prefix: a")),
            "t.yaml:2:6: node 'd': missing key 'host' (the address of an ssh node)");
  EXPECT_EQ(error_of("nodes:\n  d: {host: h, sudo: sometimes}\n" + with_group("prefix: a")),
            "t.yaml:2:22: sudo: expected auto, true or false, got 'sometimes'");
  EXPECT_EQ(error_of("nodes:\n  d: {host: h, key: id_rsa}\n" + with_group("prefix: a")),
            "t.yaml:2:21: key: identity file 'id_rsa' is not usable: it must be absolute (start "
            "with '/')");
  EXPECT_EQ(error_of("nodes:\n  d: {host: h, interfaces: [\"00:06.0\"], interface_names: [a, b]}"
                     "\n" +
                     with_group("prefix: a")),
            "t.yaml:2:58: interface_names: node 'd' has 1 interfaces but 2 interface names");
}

TEST(LoaderErrors, SshOptionsOnlyFromTheAllowList) {
  EXPECT_EQ(error_of("nodes:\n  d: {host: h, ssh_options: [\"ConnectTimeout=3\"]}\n" +
                     with_group("prefix: a")),
            "no error");
  const auto error = error_of("nodes:\n  d: {host: h, ssh_options: [\"ProxyCommand=touch x\"]}\n" +
                              with_group("prefix: a"));
  EXPECT_EQ(error.rfind("t.yaml:2:30: ssh_options[0]: ssh option 'ProxyCommand' is refused: it "
                        "runs a local command; allowed ssh options: ",
                        0),
            0U)
      << error;
  EXPECT_NE(
      error_of("nodes:\n  d: {host: h, ssh_options: [\"include=/x\"]}\n" + with_group("prefix: a"))
          .find("'include' is refused: it reads other configuration files"),
      std::string::npos);
}

TEST(LoaderErrors, SystemDirectoriesAsRunDirectories) {
  EXPECT_EQ(error_of(with_group("prefix: a", "name: lib\npaths: {socket_dir: /var}\n")),
            "t.yaml:4:21: socket_dir: /var is a system directory; cnfctl makes "
            "<socket_dir>/<run> and removes it at down (choose a directory of cnfctl's own, e.g. "
            "the default /run/cnfctl/sockets)");
  EXPECT_NE(error_of(with_group("prefix: a", "paths: {guest_socket_dir: /}\n"))
                .find("t.yaml:3:27: guest_socket_dir: / is a system directory"),
            std::string::npos);
  EXPECT_NE(error_of(with_group("prefix: a", "paths: {vpp_socket_base: /usr/lib/}\n"))
                .find("vpp_socket_base: /usr/lib is a system directory"),
            std::string::npos);
  EXPECT_EQ(error_of(with_group("prefix: a", "paths: {socket_dir: /var/lib/cnfctl}\n")),
            "no error");
}

}  // namespace
}  // namespace cnfctl::topology

// Found by the topology fuzzer: an invalid UTF-8 byte in a string made `plan --json` fail with
// an internal error (JSON holds UTF-8 only). It is bad input, located at the byte.
TEST(LoaderErrors, InvalidUtf8IsBadInputAtTheByte) {
  try {
    cnfctl::topology::load_topology_text("name: a\ncontainers:\n  - prefix: \"x\xF2\xFF\"\n",
                                         "t.yaml");
    FAIL() << "loaded";
  } catch (const cnfctl::Error& e) {
    EXPECT_EQ(e.kind(), cnfctl::ErrorKind::kBadInput);
    EXPECT_NE(e.describe().find("t.yaml:3:15: the file is not UTF-8 text (byte 0xF2)"),
              std::string::npos)
        << e.describe();
  }
  EXPECT_NO_THROW(cnfctl::topology::load_topology_text(
      "# caf\xC3\xA9\nname: a\ncontainers:\n  - prefix: nf\n", "t.yaml"));
}

// Found by the topology fuzzer: yaml-cpp read a NUL byte followed by 'N' in a block scalar as
// a lone 0x85 byte, so the model held invalid UTF-8. YAML allows no C0 control but TAB, LF and
// CR, and no DEL: such a file is bad input, located at the character.
TEST(LoaderErrors, ControlCharactersAreBadInputAtTheCharacter) {
  const std::string with_nul("name: a\nnodes:\n  d:\n    lscpu: |\n      0,0,0,0\n      i)\0NOr\n",
                             60);
  for (const auto& [text, where] : std::vector<std::pair<std::string, std::string>>{
           {with_nul, "t.yaml:6:9: the file is not YAML text (control character 0x00)"},
           {"name: a\x01\n", "t.yaml:1:8: the file is not YAML text (control character 0x01)"},
           {"name: a\n# \x7F\n", "t.yaml:2:3: the file is not YAML text (control character 0x7F)"},
           {"name: a\x1B[0m\n",
            "t.yaml:1:8: the file is not YAML text (control character 0x1B)"}}) {
    try {
      cnfctl::topology::load_topology_text(text, "t.yaml");
      ADD_FAILURE() << "loaded: " << text;
    } catch (const cnfctl::Error& e) {
      EXPECT_EQ(e.kind(), cnfctl::ErrorKind::kBadInput);
      EXPECT_NE(e.describe().find(where), std::string::npos) << e.describe();
    }
  }
  // TAB, CR and LF are text.
  EXPECT_NO_THROW(cnfctl::topology::load_topology_text(
      "name: a\r\ncontainers:\r\n  - prefix: nf # a\tcomment\r\n", "t.yaml"));
}
