// Two real SSH test hosts on this machine, as CSIT's DUT1 and DUT2: each a network namespace
// reached through a veth pair (addresses only on that pair), running its own sshd with a
// generated host key and config. Everything is removed by the destructor, also after failures.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "process/local_runner.h"
#include "process/ssh_command.h"
#include "process/unique_fd.h"

namespace cnfctl::process::testing {

/// The users the DUTs know besides root (login shell /bin/sh, the client key authorized):
/// kSudoUser may run anything with `sudo -n`, kPasswordUser's sudo wants a password.
inline constexpr const char* kSudoUser = "cnfsudo";
inline constexpr const char* kPasswordUser = "cnfpass";

/// One DUT.
struct TestDut {
  std::string name;          // "dut1"
  std::string netns;         // "cnfctl-ssh-dut1"
  std::string host_veth;     // the veth end in the root namespace
  std::string host_address;  // "10.99.1.1"
  std::string address;       // the DUT's address, where its sshd listens: "10.99.1.2"
  std::string config;        // its sshd_config
  std::string pid_file;
};

/// Sets up DUT1 and DUT2 (root only). Holds an exclusive lock for its lifetime, so test
/// processes that run at once take turns (the names and addresses are fixed). Each sshd runs in
/// a private mount namespace where /etc/passwd, shadow, group and sudoers are the test's copies
/// (adding kSudoUser and kPasswordUser) and root's ~/.bashrc is empty, so nothing of this
/// machine changes. sshd has MaxSessions 64.
class SshTestHosts {
 public:
  SshTestHosts();  // throws cnfctl::Error (after removing what it made)
  ~SshTestHosts();
  SshTestHosts(const SshTestHosts&) = delete;
  SshTestHosts& operator=(const SshTestHosts&) = delete;

  const TestDut& dut(int index) const { return duts_.at(static_cast<std::size_t>(index - 1)); }
  /// Options for `user` on DUT `index` with the authorized key and the test's known_hosts.
  SshOptions options(int index, const std::string& user = "root") const;
  std::string unauthorized_key() const { return dir_ + "/other"; }
  /// An empty known_hosts file.
  std::string empty_known_hosts() const { return dir_ + "/known_hosts.empty"; }
  const std::string& dir() const { return dir_; }

  /// Kills every process in DUT `index`'s namespace (sshd, its sessions, remote commands).
  void stop_sshd(int index);
  /// Starts DUT `index`'s sshd; returns once it listens.
  void start_sshd(int index);
  /// Processes in DUT `index`'s network namespace.
  std::vector<pid_t> namespace_pids(int index) const;
  /// Established TCP connections to port 22 in DUT `index`'s namespace.
  int ssh_connections(int index) const;
  /// Whether a process whose argv contains `word` runs in DUT `index`'s namespace.
  bool runs(int index, const std::string& word) const;

 private:
  void set_up();
  void tear_down() noexcept;
  void write_files();
  void add_dut(TestDut& dut);

  UniqueFd lock_;
  std::string dir_;
  bool made_run_sshd_ = false;
  std::vector<TestDut> duts_;
  mutable LocalRunner local_;
};

}  // namespace cnfctl::process::testing
