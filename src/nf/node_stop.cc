#include "nf/node_stop.h"

#include <fmt/format.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <csignal>
#include <optional>
#include <vector>

#include "common/error.h"
#include "engine/local_node.h"
#include "nf/detached.h"
#include "nf/nf_process.h"
#include "process/procfs.h"

namespace cnfctl::nf {
namespace {

// What /proc/PID/status says of a process: its name, its pid innermost (the container's) and
// whether it is a zombie.
struct ProcessFacts {
  std::string name;
  int inner_pid = 0;
  bool zombie = false;
};

std::optional<ProcessFacts> facts_of(const std::string& proc_dir) {
  const auto status = process::read_file_local(proc_dir + "/status");
  if (!status) return std::nullopt;
  ProcessFacts facts;
  facts.name = process::status_field(*status, "Name").value_or("");
  const auto state = process::status_field(*status, "State").value_or("");
  facts.zombie = !state.empty() && (state[0] == 'Z' || state[0] == 'X');
  const auto nspid = process::status_field(*status, "NSpid").value_or("");
  const auto last = nspid.find_last_of(" \t");
  try {
    facts.inner_pid = std::stoi(last == std::string::npos ? nspid : nspid.substr(last + 1));
  } catch (const std::exception&) {
    facts.inner_pid = 0;
  }
  return facts;
}

bool signal_process(const process::UniqueFd& pidfd, int signal) {
  return ::syscall(SYS_pidfd_send_signal, pidfd.get(), signal, nullptr, 0) == 0 || errno == ESRCH;
}

// A process of the container to stop, held by a pidfd opened before it was checked again (so
// the pidfd is that process, not another one given the same pid since the scan).
struct Target {
  int host_pid = 0;
  process::UniqueFd pidfd;
};

// The container's processes to stop, or nullopt when this machine cannot tell them (no pid
// namespace link, no pidfds).
std::optional<std::vector<Target>> find_targets(int init, int pid, const std::string& name) {
  const auto ns = engine::read_link_local(fmt::format("/proc/{}/ns/pid", init));
  if (!ns) return std::nullopt;
  auto wanted = [&](const ProcessFacts& f) {
    if (f.zombie || f.inner_pid == 1) return false;
    return (pid > 0 && f.inner_pid == pid) || (!name.empty() && f.name == name);
  };
  std::vector<Target> targets;
  for (const int host_pid : process::process_ids()) {
    const std::string dir = "/proc/" + std::to_string(host_pid);
    if (engine::read_link_local(dir + "/ns/pid") != ns) continue;
    const auto facts = facts_of(dir);
    if (!facts || !wanted(*facts)) continue;
    Target t{host_pid, engine::open_pidfd(host_pid)};
    if (!t.pidfd) {
      if (!engine::local_process_stat(t.host_pid)) continue;  // it ended meanwhile
      return std::nullopt;                                    // no pidfds here
    }
    const auto again = facts_of(dir);
    if (engine::read_link_local(dir + "/ns/pid") != ns || !again || !wanted(*again)) continue;
    targets.push_back(std::move(t));
  }
  return targets;
}

// Waits for every target until `deadline`; returns those still running.
std::vector<Target> wait_for(std::vector<Target> targets,
                             std::chrono::steady_clock::time_point deadline) {
  std::vector<Target> left;
  for (auto& t : targets) {
    const auto remaining =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (!engine::wait_pidfd(t.pidfd, std::max(remaining, std::chrono::milliseconds(0)))) {
      left.push_back(std::move(t));
    }
  }
  return left;
}

}  // namespace

void stop_nf(const NfContext& ctx, int pid, const std::string& match_argv0,
             std::chrono::milliseconds grace) {
  const auto& id = ctx.container.id;
  auto through_exec = [&] { stop_detached(ctx.engine, id, pid, match_argv0, grace); };
  if (!is_local_node(ctx.node)) return through_exec();
  std::optional<int> init;
  try {
    init = ctx.engine.init_pid(id);
  } catch (const Error&) {
    return through_exec();
  }
  if (!init || *init <= 1 || !engine::local_process_stat(*init)) return through_exec();
  if (pid <= 0) {  // the pid file's, as the stop script reads it
    const auto file = pid_file_through_init(*init);
    if (!file) return through_exec();
    pid = file->value_or(0);
  }
  auto targets = find_targets(*init, pid, match_argv0.empty() ? "" : comm_name(match_argv0));
  if (!targets) return through_exec();
  for (const auto& t : *targets) signal_process(t.pidfd, SIGTERM);
  auto left = wait_for(std::move(*targets), std::chrono::steady_clock::now() + grace);
  for (const auto& t : left) signal_process(t.pidfd, SIGKILL);
  left = wait_for(std::move(left), std::chrono::steady_clock::now() + std::chrono::seconds(10));
  if (!left.empty()) {
    std::string pids;
    for (const auto& t : left) pids += " " + std::to_string(t.host_pid);
    throw Error(fmt::format("the NF still runs 10 s after SIGKILL (node pids{})", pids))
        .at("container " + id);
  }
  // As the stop script's `rm -f`: through the container's root, as its init sees it.
  (void)engine::remove_file_local(fmt::format("/proc/{}/root{}", *init, kNfPidGuestPath));
}

}  // namespace cnfctl::nf
