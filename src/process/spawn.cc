#include "process/spawn.h"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

extern char** environ;

namespace cnfctl::process {
namespace {

// The steps the child can fail at, sent to the parent as a number.
enum class ChildStep : std::int32_t { kSetpgid, kPrctl, kDup2, kCloseFds, kChdir, kExec };

const char* step_name(ChildStep step) {
  switch (step) {
    case ChildStep::kSetpgid:
      return "setpgid";
    case ChildStep::kPrctl:
      return "prctl";
    case ChildStep::kDup2:
      return "dup2";
    case ChildStep::kCloseFds:
      return "close fds";
    case ChildStep::kChdir:
      return "chdir";
    case ChildStep::kExec:
      return "exec";
  }
  return "child";
}

// What the child writes to the report pipe when it cannot exec. Smaller than PIPE_BUF, so the
// write is atomic.
struct ChildReport {
  ChildStep step;
  std::int32_t error;
};

// Everything the child needs, computed before clone: in the child only async-signal-safe calls
// are allowed (other threads may hold the malloc lock).
struct ExecPlan {
  std::vector<std::string> candidates;  // paths to try with execve, in PATH order
  std::vector<char*> argv;
  std::vector<std::string> env_storage;
  std::vector<char*> envp;
  const char* cwd = nullptr;
  pid_t parent = -1;
  int max_fd = 0;  // highest fd to close when close_range is unavailable
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
  int report_fd = -1;
};

std::string_view env_name(std::string_view entry) {
  return entry.substr(0, entry.find('='));
}

// The caller's environment with `unset_env` removed, then `env` set.
std::vector<std::string> child_environment(const Command& command) {
  std::vector<std::string> result;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    std::string name(env_name(text));
    bool dropped = command.env.count(name) != 0;
    for (const auto& unset : command.unset_env) dropped = dropped || unset == name;
    if (!dropped) result.emplace_back(text);
  }
  for (const auto& [name, value] : command.env) result.push_back(name + "=" + value);
  return result;
}

}  // namespace

std::vector<std::string> exec_candidates(const std::string& program,
                                         const std::vector<std::string>& environment) {
  if (program.find('/') != std::string::npos || program.empty()) return {program};
  std::string path;
  bool have_path = false;
  for (const auto& entry : environment) {
    if (env_name(entry) == "PATH") {
      path = entry.substr(5);
      have_path = true;
    }
  }
  if (!have_path) {
    std::size_t size = confstr(_CS_PATH, nullptr, 0);
    path.assign(size, '\0');
    if (size > 0) confstr(_CS_PATH, path.data(), size);
    path.resize(size > 0 ? size - 1 : 0);
  }
  std::vector<std::string> result;
  std::size_t start = 0;
  while (true) {
    std::size_t end = path.find(':', start);
    std::string dir = path.substr(start, end == std::string::npos ? end : end - start);
    result.push_back((dir.empty() ? std::string(".") : dir) + "/" + program);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return result;
}

namespace {

// Moves `fd` above 0, 1 and 2 so that dup2 onto the standard descriptors cannot clobber it.
// Returns -1 (errno set) on failure; `fd` is owned by the result either way.
int above_stdio(int fd) {
  if (fd < 0 || fd > 2) return fd;
  int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  int saved = errno;
  ::close(fd);
  errno = saved;
  return moved;
}

// A close-on-exec pipe whose ends are both above stdio. Returns false (errno set) on failure.
bool make_pipe(UniqueFd& read_end, UniqueFd& write_end) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return false;
  read_end.reset(above_stdio(fds[0]));
  write_end.reset(above_stdio(fds[1]));
  return read_end && write_end;
}

bool set_nonblocking(const UniqueFd& fd) {
  int flags = fcntl(fd.get(), F_GETFL);
  return flags >= 0 && fcntl(fd.get(), F_SETFL, flags | O_NONBLOCK) == 0;
}

[[noreturn]] void child_fail(const ExecPlan& plan, ChildStep step, int error) {
  ChildReport report{step, error};
  ssize_t written;
  do {
    written = ::write(plan.report_fd, &report, sizeof report);
  } while (written < 0 && errno == EINTR);
  _exit(127);
}

// All signals are blocked (the parent blocked them before clone): a handler of the parent must
// never run in the child, which shares its memory. Handlers go back to the default first
// (ignored signals too: SIGPIPE ignored would break `yes | head`), then the mask is emptied.
void reset_signals() {
  struct sigaction default_action = {};
  default_action.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &default_action, nullptr);
  }
  sigset_t empty;
  sigemptyset(&empty);
  sigprocmask(SIG_SETMASK, &empty, nullptr);
}

bool close_other_fds(const ExecPlan& plan) {
  // Everything but 0, 1, 2 and the report pipe (which closes itself on exec).
  unsigned report = static_cast<unsigned>(plan.report_fd);
  bool ok =
      (report == 3 || close_range(3, report - 1, 0) == 0) && close_range(report + 1, ~0U, 0) == 0;
  if (ok) return true;
  if (errno != ENOSYS) return false;
  for (int fd = 3; fd <= plan.max_fd; ++fd) {
    if (fd != plan.report_fd) ::close(fd);
  }
  return true;
}

// Runs in the child between clone and exec, on its own stack in the parent's memory (which it
// must not change: it only reads `plan`): async-signal-safe calls only.
[[noreturn]] void run_child(const ExecPlan& plan) {
  reset_signals();
  if (setpgid(0, 0) != 0) child_fail(plan, ChildStep::kSetpgid, errno);
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) child_fail(plan, ChildStep::kPrctl, errno);
  // The parent may have died before prctl: then nobody will ever kill or reap us.
  if (getppid() != plan.parent) _exit(127);
  if (dup2(plan.stdin_fd, 0) < 0 || dup2(plan.stdout_fd, 1) < 0 || dup2(plan.stderr_fd, 2) < 0) {
    child_fail(plan, ChildStep::kDup2, errno);
  }
  if (!close_other_fds(plan)) child_fail(plan, ChildStep::kCloseFds, errno);
  if (plan.cwd != nullptr && chdir(plan.cwd) != 0) child_fail(plan, ChildStep::kChdir, errno);

  int error = ENOENT;
  bool denied = false;
  for (const auto& candidate : plan.candidates) {
    execve(candidate.c_str(), plan.argv.data(), plan.envp.data());
    error = errno;
    switch (error) {
      case EACCES:
        denied = true;
        continue;
      case ENOENT:
      case ENOTDIR:
      case ESTALE:
      case ELOOP:
      case ENAMETOOLONG:
      case ENODEV:
      case ETIMEDOUT:
        continue;  // like execvp: try the next PATH entry
      default:
        child_fail(plan, ChildStep::kExec, error);
    }
  }
  child_fail(plan, ChildStep::kExec, denied ? EACCES : error);
}

int child_main(void* plan) {
  run_child(*static_cast<const ExecPlan*>(plan));
}

// Starts run_child(plan) as a new process that shares this one's memory until it calls exec
// (CLONE_VM | CLONE_VFORK, what posix_spawn does): unlike fork, nothing of cnfctl's address
// space is copied or write-protected, which made fork the largest part of cnfctl's own CPU in
// `up` (its page tables copied, every thread's TLB flushed, each page it wrote next copied).
// This thread waits until the child has called exec or exited. Returns the pid, or -1 (errno).
pid_t clone_child(const ExecPlan& plan) {
  constexpr std::size_t kStackSize = 64 * 1024;  // run_child needs a few hundred bytes
  std::vector<char> stack(kStackSize);
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  pid_t pid = ::clone(child_main, stack.data() + stack.size(), CLONE_VM | CLONE_VFORK | SIGCHLD,
                      const_cast<ExecPlan*>(&plan));
  const int error = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = error;
  return pid;
}

// Waits for `pid` to end, retrying on EINTR. Returns waitpid's result.
pid_t reap(pid_t pid, int* status) {
  pid_t result;
  do {
    result = waitpid(pid, status, 0);
  } while (result < 0 && errno == EINTR);
  return result;
}

}  // namespace

std::string find_program(const std::string& program) {
  std::vector<std::string> environment;
  if (const char* path = std::getenv("PATH"); path != nullptr) {
    environment.push_back(std::string("PATH=") + path);
  }
  for (const auto& candidate : exec_candidates(program, environment)) {
    struct stat st {};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return {};
}

int open_pidfd(pid_t pid) {
  return static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
}

std::variant<SpawnedChild, SpawnFailure> spawn_child(const Command& command) {
  if (command.argv.empty()) return SpawnFailure{"argv", EINVAL};

  ExecPlan plan;
  plan.env_storage = child_environment(command);
  if (!command.program.empty()) plan.candidates.push_back(command.program);
  for (auto& candidate : exec_candidates(command.argv.front(), plan.env_storage)) {
    plan.candidates.push_back(std::move(candidate));
  }
  for (const auto& arg : command.argv) plan.argv.push_back(const_cast<char*>(arg.c_str()));
  plan.argv.push_back(nullptr);
  for (auto& entry : plan.env_storage) plan.envp.push_back(entry.data());
  plan.envp.push_back(nullptr);
  if (!command.cwd.empty()) plan.cwd = command.cwd.c_str();
  plan.parent = getpid();
  rlimit files{};
  plan.max_fd = getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur != RLIM_INFINITY
                    ? static_cast<int>(std::min<rlim_t>(files.rlim_cur, 1 << 20))
                    : 1 << 16;

  SpawnedChild child;
  UniqueFd child_stdin, child_stdout, child_stderr, report_read, report_write;
  if (command.stdin_bytes) {
    if (!make_pipe(child_stdin, child.stdin_fd) || !set_nonblocking(child.stdin_fd)) {
      return SpawnFailure{"pipe", errno};
    }
  } else {
    child_stdin.reset(above_stdio(::open("/dev/null", O_RDONLY | O_CLOEXEC)));
    if (!child_stdin) return SpawnFailure{"open /dev/null", errno};
  }
  if (!command.output_file.empty()) {
    child_stdout.reset(above_stdio(::open(
        command.output_file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640)));
    if (!child_stdout) return SpawnFailure{"open " + command.output_file, errno};
  } else if (!make_pipe(child.stdout_fd, child_stdout) || !set_nonblocking(child.stdout_fd) ||
             !make_pipe(child.stderr_fd, child_stderr) || !set_nonblocking(child.stderr_fd)) {
    return SpawnFailure{"pipe", errno};
  }
  if (!make_pipe(report_read, report_write)) return SpawnFailure{"pipe", errno};
  plan.stdin_fd = child_stdin.get();
  plan.stdout_fd = child_stdout.get();
  plan.stderr_fd = command.output_file.empty() ? child_stderr.get() : child_stdout.get();
  plan.report_fd = report_write.get();

  pid_t pid = clone_child(plan);
  if (pid < 0) return SpawnFailure{"clone", errno};

  child.pid = pid;
  child_stdin.reset();
  child_stdout.reset();
  child_stderr.reset();
  report_write.reset();

  // EOF means exec succeeded (the pipe is close-on-exec); a report means it failed.
  ChildReport report{};
  std::size_t received = 0;
  while (received < sizeof report) {
    ssize_t n = ::read(report_read.get(), reinterpret_cast<char*>(&report) + received,
                       sizeof report - received);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    received += static_cast<std::size_t>(n);
  }
  if (received != 0) {
    int status = 0;
    reap(pid, &status);
    if (received != sizeof report) return SpawnFailure{"exec", EIO};
    return SpawnFailure{step_name(report.step), report.error};
  }

  // Without pidfd (Linux < 5.3) the caller polls waitid instead.
  child.pidfd.reset(open_pidfd(pid));
  return child;
}

}  // namespace cnfctl::process
