#include "nf/launcher.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <cstdlib>
#include <sstream>
#include <thread>

#include "common/error.h"
#include "common/paths.h"
#include "common/poll.h"
#include "nf/detached.h"
#include "nf/nf_process.h"
#include "process/local_files.h"
#include "process/procfs.h"

namespace cnfctl::nf {
namespace {

// The launcher's states change within milliseconds of each other.
// The launcher is usually waiting (or the NF's pid written) within a few ms of the first look;
// a look reads two small /proc files (about 30 us), so the first ones come quickly: a 1 ms first
// sleep doubling cost the release of 16 NFs under crun 4 ms each on average (issue 12).
Backoff launcher_backoff() {
  return Backoff(std::chrono::microseconds(200), std::chrono::milliseconds(20));
}

// $0 kLauncherName, $1 log file, $2 pid file, $3 the NF's stdin (stdin_word()), $4 the number
// of NAME=VALUE words that follow, then those words, then the NF's argv. SIGUSR1 releases it
// (see launcher.h).
const std::string& launcher_script() {
  static const std::string script =
      std::string(
          "log=$1; pidfile=$2; in=$3; n=$4; shift 4\n"
          "go=\n"
          "trap 'exit 0' TERM INT\n"
          "trap 'go=1' USR1\n"
          "sleep 2147483647 &\n"
          "idle=$!\n"
          "while [ -z \"$go\" ]; do wait \"$idle\"; done\n"
          "trap '' USR1\n"
          "umask 027\n") +
      kNfStdinScript +
      // Only the NF gets its environment and SIGUSR1 back to the default.
      "(\n"
      "  trap - USR1\n"
      "  while [ \"$n\" -gt 0 ]; do export \"$1\"; shift; n=$((n - 1)); done\n"
      "  exec \"$@\" 3<&-\n"
      ") <&3 >>\"$log\" 2>&1 &\n"
      "echo \"$!\" >\"$pidfile\"\n"
      "exec 3<&-\n"
      "wait\n";
  return script;
}

enum class LauncherState { kNotALauncher, kStarting, kWaiting, kLaunched };

// SIGUSR1's bit in the hexadecimal signal masks of /proc/PID/status.
bool has_usr1(const std::string& status, const std::string& field) {
  return (process::status_signal_set(status, field) >> (SIGUSR1 - 1)) & 1U;
}

std::vector<std::string> cmdline_of(int pid) {
  return process::nul_separated_words(
      process::read_file_local(fmt::format("/proc/{}/cmdline", pid)).value_or(""));
}

enum class LauncherForm { kNone, kScript, kBinary };

// "/bin/sh -c SCRIPT cnfctl-launcher ...": the script names itself in its $0; the static
// launcher runs as kLauncherBinaryGuestPath LOG PIDFILE STDIN N ... .
LauncherForm launcher_form(const std::vector<std::string>& argv) {
  if (argv.size() >= 4 && argv[1] == "-c" && argv[2] == launcher_script() &&
      argv[3] == kLauncherName) {
    return LauncherForm::kScript;
  }
  if (argv.size() >= 6 && argv[0] == kLauncherBinaryGuestPath) return LauncherForm::kBinary;
  return LauncherForm::kNone;
}

// The launcher's state. It is the container's init, or (docker and podman's `--init`, the
// docker engine's host image) the only child of an init started as `INIT -- LAUNCHER`; `*pid`
// is set to the launcher's pid on the node when one is found.
LauncherState launcher_state(int init, int* pid) {
  const auto argv = cmdline_of(init);
  int launcher = init;
  LauncherForm form = launcher_form(argv);
  // `runc run -d` returns before the container's init has exec'd its command: until then it is
  // the runtime's own process (`runc init`; crun's is a fork of `crun ... run -d ...` with that
  // whole command line), and while it execs its cmdline reads empty.
  if (argv.empty()) {
    return process::exists_local(fmt::format("/proc/{}", init)) ? LauncherState::kStarting
                                                                : LauncherState::kNotALauncher;
  }
  if (runtime_not_yet_execd(argv)) return LauncherState::kStarting;
  if (form == LauncherForm::kNone) {
    // An init wrapper: the launcher's words follow in its own argv.
    const auto named = std::find_if(argv.begin(), argv.end(), [](const std::string& word) {
      return word == kLauncherName || word == kLauncherBinaryGuestPath;
    });
    if (named == argv.end() || (*named == kLauncherName && named - argv.begin() < 3)) {
      return LauncherState::kNotALauncher;
    }
    launcher = 0;
    std::istringstream children(
        process::read_file_local(fmt::format("/proc/{}/task/{}/children", init, init))
            .value_or(""));
    for (int child = 0; children >> child;) {
      form = launcher_form(cmdline_of(child));
      if (form != LauncherForm::kNone) {
        launcher = child;
        break;
      }
    }
    if (launcher == 0) return LauncherState::kStarting;  // the wrapper has not started it yet
  }
  const auto status = process::read_file_local(fmt::format("/proc/{}/status", launcher));
  if (!status) return LauncherState::kNotALauncher;
  *pid = launcher;
  if (has_usr1(*status, "SigIgn")) return LauncherState::kLaunched;
  // The script catches SIGUSR1; the static launcher blocks it and reads it from a signalfd.
  if (has_usr1(*status, form == LauncherForm::kBinary ? "SigBlk" : "SigCgt")) {
    return LauncherState::kWaiting;
  }
  return LauncherState::kStarting;
}

}  // namespace

std::vector<std::string> launcher_command(const NfLaunch& nf) {
  if (nf.argv.empty()) return {};
  std::vector<std::string> command = {"/bin/sh",
                                      "-c",
                                      launcher_script(),
                                      kLauncherName,
                                      kNfLogGuestPath,
                                      kNfPidGuestPath,
                                      stdin_word(nf.stdin_kind),
                                      std::to_string(nf.env.size())};
  for (const auto& [name, value] : nf.env) command.push_back(name + "=" + value);
  command.insert(command.end(), nf.argv.begin(), nf.argv.end());
  return command;
}

std::string launcher_binary() {
  std::string path;
  if (const char* env = std::getenv("CNFCTL_LAUNCHER_BINARY"); env != nullptr && *env != '\0') {
    path = env;
  } else {
    path = beside_this_program(kLauncherName);
    if (path.empty()) return {};
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || ::access(path.c_str(), X_OK) != 0) {
    return {};
  }
  return path;
}

void use_launcher(engine::ContainerSpec& spec, const NfLaunch& nf, const std::string& binary) {
  spec.command_waits_for_release = true;
  if (nf.argv.empty()) return;
  if (binary.empty()) {
    spec.command = launcher_command(nf);
    return;
  }
  spec.mounts.push_back({binary, kLauncherBinaryGuestPath, true, false});
  spec.command = {kLauncherBinaryGuestPath, kNfLogGuestPath, kNfPidGuestPath,
                  stdin_word(nf.stdin_kind), std::to_string(nf.env.size())};
  for (const auto& [name, value] : nf.env) spec.command.push_back(name + "=" + value);
  spec.command.insert(spec.command.end(), nf.argv.begin(), nf.argv.end());
}

bool runtime_not_yet_execd(const std::vector<std::string>& init_argv) {
  if (init_argv.empty()) return false;
  const auto& argv0 = init_argv.front();
  const auto slash = argv0.rfind('/');
  const auto name = slash == std::string::npos ? argv0 : argv0.substr(slash + 1);
  return name == "runc" || name == "crun";
}

std::optional<int> release_launcher(const NfContext& ctx, std::chrono::milliseconds deadline) {
  if (!is_local_node(ctx.node)) return std::nullopt;
  const auto& id = ctx.container.id;
  std::optional<int> init;
  try {
    init = ctx.engine.init_pid(id);
  } catch (const Error&) {
    return std::nullopt;
  }
  if (!init || *init <= 1) return std::nullopt;
  const auto end = std::chrono::steady_clock::now() + deadline;
  LauncherState state = LauncherState::kStarting;
  int launcher = 0;
  poll_until(
      [&] {
        state = launcher_state(*init, &launcher);
        return state != LauncherState::kStarting;
      },
      end, launcher_backoff());
  if (state != LauncherState::kWaiting) return std::nullopt;
  if (::kill(launcher, SIGUSR1) != 0) return std::nullopt;
  // From here the launcher starts the NF: no fallback to an exec, which would start a second.
  // dash can lose a signal that arrives while it forks (seen: 1 in about 200 launches, the
  // launcher back in sigsuspend with nothing pending), so while it still catches SIGUSR1 it gets
  // it again; once it launched it ignores SIGUSR1 and no more is sent.
  const std::string pid_file = fmt::format("/proc/{}/root{}", *init, kNfPidGuestPath);
  std::optional<int> pid;
  const bool written = poll_until(
      [&] {
        pid = parse_pid(process::read_file_local(pid_file).value_or(""));
        if (pid) return true;
        int now = 0;
        state = launcher_state(*init, &now);
        if (state == LauncherState::kWaiting && now == launcher) ::kill(launcher, SIGUSR1);
        return state == LauncherState::kNotALauncher;
      },
      end, launcher_backoff());
  if (!written || !pid) {
    throw Error(
        fmt::format("the launcher did not start the NF within {} ms (container init {}: "
                    "{})",
                    deadline.count(), *init,
                    written ? "the launcher is gone" : "no pid in " + std::string(kNfPidGuestPath)))
        .at("container " + id);
  }
  return pid;
}

int start_nf(const NfContext& ctx) {
  const auto& c = ctx.container;
  if (auto pid = release_launcher(ctx, kDetachedExecTimeout)) return *pid;
  return start_detached(ctx.engine, c.id, c.nf.argv, c.nf.env, c.nf.stdin_kind);
}

}  // namespace cnfctl::nf
