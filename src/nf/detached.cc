#include "nf/detached.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "common/error.h"
#include "nf/driver.h"
#include "process/posix_quote.h"

namespace cnfctl::nf {
namespace {

// Constant scripts: every piece of data is a positional parameter ($1, $2, ..., "$@").

// $1 log file, $2 pid file, $3 the NF's stdin (stdin_word()), then the NF's argv. The NF's log,
// and the sockets and files it creates on the node's bind mounts (VPP's API/CLI sockets, memif
// sockets), are not world-writable whatever umask the engine's exec gives.
const std::string& start_script() {
  static const std::string script = std::string(
                                        "log=$1; pidfile=$2; in=$3; shift 3\n"
                                        "umask 027\n") +
                                    kNfStdinScript +
                                    "\"$@\" <&3 3<&- >>\"$log\" 2>&1 &\n"
                                    "pid=$!\n"
                                    "exec 3<&-\n"
                                    "echo \"$pid\" >\"$pidfile\"\n"
                                    "echo \"$pid\"\n";
  return script;
}

// $1 grace in 10 ms ticks, $2 pid (0: read $4), $3 process name to match ("" none), $4 pid file.
const char* const kStopScript =
    "ticks=$1; pid=$2; name=$3; pidfile=$4\n"
    "case $pid in ''|0|*[!0-9]*) pid=$(cat \"$pidfile\" 2>/dev/null) ;; esac\n"
    "targets=\n"
    "case $pid in ''|*[!0-9]*) ;; *) [ \"$pid\" -gt 1 ] && targets=$pid ;; esac\n"
    "if [ -n \"$name\" ]; then\n"
    "  for d in /proc/[0-9]*; do\n"
    "    p=${d#/proc/}\n"
    "    if [ \"$p\" -eq 1 ] || [ \"$p\" -eq $$ ]; then continue; fi\n"
    "    read -r c <\"$d/comm\" 2>/dev/null || continue\n"
    "    [ \"$c\" = \"$name\" ] && targets=\"$targets $p\"\n"
    "  done\n"
    "fi\n"
    "alive() {\n"
    "  for p in $targets; do\n"
    "    read -r line <\"/proc/$p/stat\" 2>/dev/null || continue\n"
    "    case ${line##*\") \"} in Z*|X*) ;; *) return 0 ;; esac\n"
    "  done\n"
    "  return 1\n"
    "}\n"
    "if [ -n \"$targets\" ]; then\n"
    "  kill -TERM $targets 2>/dev/null\n"
    "  i=0\n"
    "  while alive; do\n"
    "    [ $i -ge \"$ticks\" ] && kill -KILL $targets 2>/dev/null\n"
    "    if [ $i -ge $((ticks + 1000)) ]; then echo \"still alive after SIGKILL:$targets\" >&2; "
    "exit 3; fi\n"
    "    sleep 0.01; i=$((i + 1))\n"
    "  done\n"
    "fi\n"
    "rm -f \"$pidfile\"\n";

// $1 pid: exit 0 when it exists and is not a zombie.
const char* const kAliveScript =
    "read -r line <\"/proc/$1/stat\" 2>/dev/null || exit 1\n"
    "case ${line##*\") \"} in Z*|X*) exit 1 ;; esac\n";

Error exec_error(const std::string& what, const std::string& container_id,
                 const std::vector<std::string>& argv, const process::Outcome& outcome) {
  Error error(what);
  error.at("container " + container_id);
  error.with_command(process::posix_quote_argv(argv), outcome.describe_status(), outcome.tail());
  return error;
}

bool running(engine::Engine& engine, const std::string& container_id) {
  try {
    return engine.is_running(container_id);
  } catch (const Error&) {
    return false;
  }
}

}  // namespace

std::string comm_name(const std::string& argv0) {
  auto slash = argv0.rfind('/');
  std::string base = slash == std::string::npos ? argv0 : argv0.substr(slash + 1);
  if (base.size() > 15) base.resize(15);
  return base;
}

const char* stdin_word(NfStdin kind) {
  return kind == NfStdin::kHeldOpen ? "open" : "null";
}

int start_detached(engine::Engine& engine, const std::string& container_id,
                   const std::vector<std::string>& argv,
                   const std::map<std::string, std::string>& env, NfStdin stdin_kind) {
  if (argv.empty()) {
    throw Error("the NF has no command to start").at("container " + container_id);
  }
  engine::ExecRequest request;
  request.argv = {"/bin/sh",
                  "-c",
                  start_script(),
                  "cnfctl-nf",
                  kNfLogGuestPath,
                  kNfPidGuestPath,
                  stdin_word(stdin_kind)};
  request.argv.insert(request.argv.end(), argv.begin(), argv.end());
  request.env = env;
  request.timeout = kDetachedExecTimeout;
  auto outcome = engine.exec(container_id, request);
  if (!outcome.ok()) {
    throw exec_error(fmt::format("starting {} detached failed", argv.front()), container_id,
                     request.argv, outcome);
  }
  if (auto pid = parse_pid(outcome.out)) return *pid;
  std::string text = outcome.out;
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  throw exec_error(
      fmt::format("starting {} detached printed no pid (got '{}')", argv.front(), text),
      container_id, request.argv, outcome);
}

std::optional<int> parse_pid(std::string text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  if (text.empty() || text.size() > 9 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return std::stoi(text);
}

void stop_detached(engine::Engine& engine, const std::string& container_id, int pid,
                   const std::string& match_argv0, std::chrono::milliseconds grace) {
  const long long ticks = std::max<long long>(0, grace.count() / 10);
  engine::ExecRequest request;
  request.argv = {"/bin/sh",
                  "-c",
                  kStopScript,
                  "cnfctl-stop",
                  std::to_string(ticks),
                  std::to_string(std::max(pid, 0)),
                  match_argv0.empty() ? std::string() : comm_name(match_argv0),
                  kNfPidGuestPath};
  request.timeout = grace + kDetachedExecTimeout;
  process::Outcome outcome;
  try {
    outcome = engine.exec(container_id, request);
  } catch (const Error&) {
    if (!running(engine, container_id)) return;
    throw;
  }
  if (outcome.ok()) return;
  if (!running(engine, container_id)) return;
  throw exec_error("stopping the NF failed", container_id, request.argv, outcome);
}

bool detached_alive(engine::Engine& engine, const std::string& container_id, int pid) {
  if (pid <= 0) return false;
  engine::ExecRequest request;
  request.argv = {"/bin/sh", "-c", kAliveScript, "cnfctl-alive", std::to_string(pid)};
  request.timeout = kDetachedExecTimeout;
  try {
    return engine.exec(container_id, request).ok();
  } catch (const Error&) {
    return false;
  }
}

std::string nf_log_tail(engine::Engine& engine, const std::string& container_id,
                        std::size_t lines) {
  engine::ExecRequest request;
  request.argv = {"tail", "-n", std::to_string(lines), kNfLogGuestPath};
  request.timeout = std::chrono::seconds(5);
  try {
    auto outcome = engine.exec(container_id, request);
    if (!outcome.ok()) return "";
    std::string text = outcome.out;
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
  } catch (const Error&) {
    return "";
  }
}

}  // namespace cnfctl::nf
