#include "nf/nf_process.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "common/error.h"
#include "nf/detached.h"
#include "process/local_files.h"
#include "process/local_runner.h"
#include "process/posix_quote.h"
#include "process/procfs.h"
#include "process/ssh_runner.h"

namespace cnfctl::nf {

namespace {

constexpr std::chrono::milliseconds kNodeCommandTimeout{30000};
constexpr std::chrono::milliseconds kPidFileReadTimeout{5000};

}  // namespace

void NfPids::remember(const std::string& container_id, int pid) {
  std::lock_guard lock(mutex_);
  pids_[container_id] = pid;
}

void NfPids::forget(const std::string& container_id) {
  std::lock_guard lock(mutex_);
  pids_.erase(container_id);
}

std::optional<int> NfPids::pid_of(const NfContext& ctx) {
  const auto& container_id = ctx.container.id;
  {
    std::lock_guard lock(mutex_);
    if (auto it = pids_.find(container_id); it != pids_.end()) return it->second;
  }
  if (auto local = pid_file_from_node(ctx)) return *local;
  engine::ExecRequest request;
  request.argv = {"cat", kNfPidGuestPath};
  request.timeout = kPidFileReadTimeout;
  try {
    auto outcome = ctx.engine.exec(container_id, request);
    if (!outcome.ok()) return std::nullopt;
    return parse_pid(outcome.out);
  } catch (const Error&) {
    return std::nullopt;
  }
}

std::optional<std::optional<int>> pid_file_from_node(const NfContext& ctx) {
  if (!is_local_node(ctx.node)) return std::nullopt;
  std::optional<int> init;
  try {
    init = ctx.engine.init_pid(ctx.container.id);
  } catch (const Error&) {
    return std::nullopt;
  }
  if (!init || *init <= 1) return std::nullopt;
  return pid_file_through_init(*init);
}

std::optional<std::optional<int>> pid_file_through_init(int init) {
  const std::string root = fmt::format("/proc/{}/root", init);
  if (auto text = process::read_file_local(root + kNfPidGuestPath)) {
    return std::optional<int>(parse_pid(*text));
  }
  // No pid file, or no look into the container from here: only the exec can tell which.
  if (process::exists_local(root + "/proc/1")) return std::optional<int>();
  return std::nullopt;
}

bool NfPids::alive(const NfContext& ctx) {
  const auto& id = ctx.container.id;
  auto pid = pid_of(ctx);
  if (!pid || *pid <= 1) return false;
  std::optional<int> init;
  try {
    init = ctx.engine.init_pid(id);
  } catch (const Error&) {
    return false;
  }
  if (!init) return false;  // the container does not run
  // The NF's stat and, to tell "gone" from "cannot look", the container's own init's.
  const std::string proc = fmt::format("/proc/{}/root/proc/", *init);
  const std::vector<std::string> files = {proc + std::to_string(*pid) + "/stat", proc + "1/stat"};
  std::string out;
  if (is_local_node(ctx.node)) {
    for (const auto& file : files) out += process::read_file_local(file).value_or("");
  } else {
    process::Command command{.argv = {"cat", "--", files[0], files[1]}};
    command.timeout = kPidFileReadTimeout;
    try {
      out = ctx.node.run(command).out;
    } catch (const Error&) {
    }
  }
  const std::string nf_line = std::to_string(*pid) + " (";
  bool init_seen = false;
  std::size_t at = 0;
  while (at < out.size()) {
    auto end = out.find('\n', at);
    if (end == std::string::npos) end = out.size();
    const auto line = out.substr(at, end - at);
    at = end + 1;
    if (line.rfind("1 (", 0) == 0) init_seen = true;
    if (line.rfind(nf_line, 0) != 0) continue;
    const auto state = process::stat_field(line, 3);
    return state && state->front() != 'Z' && state->front() != 'X';
  }
  if (init_seen) return false;
  return detached_alive(ctx.engine, id, *pid);
}

Readiness nf_exited(const NfContext& ctx, const std::string& seen) {
  Readiness r;
  r.fatal = true;
  r.detail = fmt::format("the NF process is gone ({})", seen);
  auto tail = nf_log_tail(ctx.engine, ctx.container.id, 10);
  if (!tail.empty()) r.detail += "; NF log:\n" + tail;
  return r;
}

bool is_local_node(process::Runner& node) {
  return dynamic_cast<process::LocalRunner*>(&node) != nullptr;
}

namespace {

process::SshRunner& ssh_node(const NfContext& ctx, const std::string& what) {
  if (auto* ssh = dynamic_cast<process::SshRunner*>(&ctx.node)) return *ssh;
  throw Error(fmt::format("cannot reach {} on node {}: its runner ({}) neither runs on this "
                          "machine nor over SSH",
                          what, ctx.container.node, ctx.node.name()))
      .at("container " + ctx.container.id);
}

}  // namespace

std::string node_socket(const NfContext& ctx, const std::string& path) {
  if (is_local_node(ctx.node)) return path;
  auto& ssh = ssh_node(ctx, "the socket " + path);
  try {
    return ssh.forward_unix_socket(path);
  } catch (Error& e) {
    e.at("container " + ctx.container.id);
    throw;
  }
}

std::optional<std::string> node_tcp_socket(const NfContext& ctx, const std::string& host,
                                           int port) {
  if (is_local_node(ctx.node)) return std::nullopt;
  auto& ssh = ssh_node(ctx, fmt::format("{}:{}", host, port));
  if (port <= 0 || port > 65535) {
    throw Error::bad_input("container " + ctx.container.id,
                           fmt::format("TCP port {} is not from 1 to 65535", port));
  }
  try {
    return ssh.forward_tcp(host, static_cast<std::uint16_t>(port));
  } catch (Error& e) {
    e.at("container " + ctx.container.id);
    throw;
  }
}

void run_on_node(const NfContext& ctx, const std::vector<std::string>& argv,
                 const std::string& what) {
  process::Command command{.argv = argv};
  command.timeout = kNodeCommandTimeout;
  try {
    process::run_checked(ctx.node, command, what);
  } catch (Error& e) {
    throw e.at("container " + ctx.container.id).at("node " + ctx.container.node);
  }
}

void make_guest_dirs_for_files(const NfContext& ctx) {
  engine::ExecRequest request;
  request.argv = {"mkdir", "-p", "--"};
  for (const auto& file : ctx.container.nf.files) {
    auto slash = file.guest_path.rfind('/');
    if (slash == std::string::npos || slash == 0) continue;
    auto dir = file.guest_path.substr(0, slash);
    if (std::find(request.argv.begin(), request.argv.end(), dir) == request.argv.end()) {
      request.argv.push_back(dir);
    }
  }
  if (request.argv.size() == 3) return;
  request.timeout = kNodeCommandTimeout;
  auto outcome = ctx.engine.exec(ctx.container.id, request);
  if (!outcome.ok()) {
    throw Error("creating the directories of the NF's files failed")
        .at("container " + ctx.container.id)
        .with_command(process::posix_quote_argv(request.argv), outcome.describe_status(),
                      outcome.tail());
  }
}

void require_removable_path(const NfContext& ctx, const std::string& path,
                            const std::string& what) {
  bool ok = path.size() > 1 && path.front() == '/';
  int components = 0;
  std::size_t start = 1;
  while (ok && start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    const auto part = path.substr(start, end - start);
    if (part.empty() && end != path.size()) ok = false;  // "//"
    if (part == "." || part == "..") ok = false;
    if (!part.empty()) ++components;
    start = end + 1;
  }
  if (!ok || components < 2) {
    throw Error(fmt::format("refusing to remove {} '{}': not an absolute path of at least two "
                            "components without '.', '..' or '//'",
                            what, path))
        .at("container " + ctx.container.id);
  }
}

}  // namespace cnfctl::nf
