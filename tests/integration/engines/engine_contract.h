// The behaviour every engine must show, written once and run per engine (Oci.*, Lxc.*,
// Docker.*, Podman.*): each function is one test body.
#pragma once

#include <functional>
#include <string>

#include "engine/container_spec.h"
#include "engine/engine.h"
#include "engine_harness.h"

namespace cnfctl::engine::testing {

struct EngineUnderTest {
  Engine& engine;
  TestRoot& root;
  Image image;  // what the containers run from
  /// Extra names whose cgroup dirs must be gone after destroy (docker/podman: the id).
  bool cgroup_dirs_named_by_id = false;
};

/// Three containers pinned to {0}, {1}, {0,1}, each reading its cpuset back from inside; a
/// writable and a read-only bind mount; the environment.
void check_pinning_mounts_and_env(const EngineUnderTest& t);
/// A privileged, pinned container with bind mounts on guest paths under /run and /var/run (as
/// the testpmd chain's memif sockets and DPDK runtime dir), written from inside.
void check_mounts_under_run(const EngineUnderTest& t);
/// exec argv / env / stdin round trips, copy_in of awkward text and a 1 MiB binary file.
void check_exec_and_copy_in(const EngineUnderTest& t);
/// is_present / is_running in every state; stop + destroy leave no container, state dir, mount
/// or cgroup dir; destroy twice; acquire(force) replaces.
void check_lifecycle_and_cleanup(const EngineUnderTest& t);
/// prepare_node, system_info, inspect, logs.
void check_info_and_logs(const EngineUnderTest& t);
/// `make` is called with the options to break; acquire must fail with an error naming the
/// program and `package`.
void check_missing_program(const std::function<std::unique_ptr<Engine>()>& make,
                           const std::string& program, const std::string& package,
                           const std::string& image_text, TestRoot& root);

/// Destroys every container the contract functions may have created (errors ignored).
void destroy_test_containers(Engine& engine, const TestRoot& root);

/// A spec with this test's name and image.
ContainerSpec test_spec(const EngineUnderTest& t, const std::string& suffix);

}  // namespace cnfctl::engine::testing
