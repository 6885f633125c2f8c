// The NFs of a testpmd plan started bare on this host: the plan's own argv (the memif socket dir
// translated from its guest path to a scratch dir on the host), environment and cpuset
// (sched_setaffinity, as `taskset`), in the plan's start stages, each stage ready before the
// next, exactly as `cnfctl up` starts them in containers. Counters are read by cnfctl's own
// traffic code (traffic::measure_traffic through the testpmd driver's DPDK telemetry client).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "plan/plan.h"

namespace cnfctl::bench {

/// One program on the host: its own process group, pinned to `cpus` (empty: not pinned), stdin
/// as the NF gets it in its container (nf::NfStdin: /dev/null, or a pipe whose write end this
/// object holds), stdout and stderr appended to `log`, SIGKILL when the benchmark dies
/// (PR_SET_PDEATHSIG). The destructor kills and reaps it.
class HostProcess {
 public:
  /// Throws std::runtime_error when fork fails; a failing exec shows as an exit (status 127).
  HostProcess(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
              const std::vector<int>& cpus, const std::string& log, nf::NfStdin stdin_kind);
  ~HostProcess();
  HostProcess(const HostProcess&) = delete;
  HostProcess& operator=(const HostProcess&) = delete;

  pid_t pid() const { return pid_; }
  /// False once it exited (reaped here).
  bool alive();
  /// SIGTERM to its group, SIGKILL after `grace`; reaps it. Idempotent.
  void stop(std::chrono::milliseconds grace);

 private:
  pid_t pid_ = -1;
  int stdin_writer_ = -1;  // the held pipe's write end (NfStdin::kHeldOpen)
};

/// `argv` with the directory `guest_dir` (as a whole argument or a path prefix inside one, as in
/// "--vdev=net_memif0,socket=/run/cnfctl/memif/x") replaced by `host_dir`. Pure.
std::vector<std::string> translate_dir(std::vector<std::string> argv, const std::string& guest_dir,
                                       const std::string& host_dir);

/// The plan's testpmd NFs as host processes. The destructor stops whatever still runs and
/// removes their DPDK runtime dirs and sockets.
class BareChain {
 public:
  /// `scratch`: an empty directory of the benchmark; the memif sockets go to <scratch>/sockets
  /// and each NF's output to <scratch>/<name>.log.
  BareChain(const plan::Plan& plan, std::string scratch);
  ~BareChain();
  BareChain(const BareChain&) = delete;
  BareChain& operator=(const BareChain&) = delete;

  /// Starts every NF, stage by stage; each stage's NFs must be ready (testpmd's own readiness:
  /// one port per link, every client link up) within `ready_timeout` before the next starts,
  /// and at the end every link of every NF must be up. Throws std::runtime_error naming the NF
  /// (with the reason from its log when it exited), Interrupted on Ctrl-C.
  void start(std::chrono::milliseconds ready_timeout);

  /// The end-to-end rate (the sinks' rx Mpps) over `duration`, measured as `cnfctl traffic`
  /// does. Throws cnfctl::Error when telemetry cannot be read.
  double measure(std::chrono::milliseconds duration);

  /// Stops the NFs, clients before servers (reverse start order), then removes their DPDK
  /// runtime dirs and memif sockets. Idempotent.
  void stop();

  /// Where the memif sockets live on the host.
  std::string socket_dir() const { return scratch_ + "/sockets"; }

 private:
  struct Nf {
    const plan::PlannedContainer* container;
    std::unique_ptr<HostProcess> process;
  };
  void wait_ready(const std::vector<Nf*>& stage, bool all_links, std::chrono::milliseconds timeout);
  void remove_remains();

  const plan::Plan& plan_;
  std::string scratch_;
  std::vector<Nf> nfs_;
};

/// One NF process of a plan as seen from the host.
struct SeenNf {
  std::vector<std::string> argv;     // /proc/<pid>/cmdline
  std::vector<std::string> threads;  // each thread's "<comm>: <Cpus_allowed_list>", sorted
  std::string proc;                  // /proc/<pid>; not compared
  bool operator==(const SeenNf& o) const { return argv == o.argv && threads == o.threads; }
};

/// User + system CPU seconds the processes of `nfs` have used so far (/proc/<pid>/stat, every
/// thread). Throws std::runtime_error when one of them is gone.
double cpu_seconds(const std::map<std::string, SeenNf>& nfs);

/// The running process of each of the plan's NFs (found by its DPDK --file-prefix), by
/// container name, with `host_dir` in its argv written back as `guest_dir` (so the bare chain's
/// processes compare equal to the containers'). Throws std::runtime_error when an NF has no
/// process or several.
std::map<std::string, SeenNf> seen_nfs(const plan::Plan& plan, const std::string& host_dir,
                                       const std::string& guest_dir);

/// What a run of `plan` left on this host after its teardown: processes started with one of its
/// DPDK file prefixes, its DPDK runtime dirs, hugepage files of its prefixes, and files in
/// `socket_dir`. Empty when nothing is left.
std::vector<std::string> leftovers(const plan::Plan& plan, const std::string& socket_dir);

}  // namespace cnfctl::bench
