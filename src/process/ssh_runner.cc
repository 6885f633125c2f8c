#include "process/ssh_runner.h"

#include <fmt/format.h>
#include <poll.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string_view>
#include <system_error>
#include <variant>

#include "common/error.h"
#include "common/paths.h"
#include "process/posix_quote.h"
#include "process/procfs.h"
#include "process/spawn.h"

namespace cnfctl::process {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::size_t kReadChunk = 64 * 1024;
// How many stderr bytes may come before the wrapper's pgid marker (a chatty login script).
constexpr std::size_t kMarkerSearchLimit = 64 * 1024;
// Room kept beyond output_limit in stderr for the wrapper's exit marker.
constexpr std::size_t kMarkerRoom = 128;
// Only without pidfd: how often to ask whether ssh exited.
constexpr milliseconds kExitCheckInterval{20};
// Extra time the master's first connection gets beyond ConnectTimeout (authentication).
constexpr milliseconds kAuthAllowance{10000};

std::atomic<unsigned> next_serial{0};

std::string make_nonce() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return fmt::format("cnfctl-{:016x}", engine());
}

int reap(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

bool exited_without_reaping(pid_t pid) {
  siginfo_t info{};
  return waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
         info.si_pid == pid;
}

// The last bytes of a stream: trimmed lazily to `keep`, remembering whether any were dropped.
struct StreamTail {
  explicit StreamTail(std::size_t keep_in) : keep(keep_in) {}
  void add(std::string_view bytes) {
    data.append(bytes);
    if (data.size() > 2 * keep + kReadChunk) trim(keep);
  }
  void trim(std::size_t size) {
    if (data.size() <= size) return;
    data.erase(0, data.size() - size);
    dropped = true;
  }
  std::size_t keep;
  std::string data;
  bool dropped = false;
};

// One command running over the master, and what the loop knows about it.
struct Session {
  Session(std::size_t index_in, const Command& command_in, std::counting_semaphore<>& slots_in)
      : index(index_in),
        command(command_in),
        slots(slots_in),
        nonce(make_nonce()),
        started(Clock::now()),
        out(command_in.output_limit),
        err(command_in.output_limit + kMarkerRoom) {}
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session() {
    if (ssh.pid > 0) {  // only when the loop is left by an exception
      kill(-ssh.pid, SIGKILL);
      reap(ssh.pid);
    }
    slots.release();
  }

  std::size_t index;
  const Command& command;
  std::counting_semaphore<>& slots;
  std::string nonce;
  Clock::time_point started;
  SpawnedChild ssh;
  std::string_view input;
  StreamTail out;
  StreamTail err;
  std::string head;  // stderr until the pgid marker was seen
  bool searching_head = true;
  std::string window;  // the last stderr bytes, to spot the exit marker
  WrapperReport report;
  std::optional<Clock::time_point> finished_remotely;  // the exit marker arrived
  std::optional<Clock::time_point> deadline;
  bool timed_out = false;
  bool group_killed = false;
  std::optional<Clock::time_point> force_kill_at;
  std::optional<Clock::time_point> ssh_exited_at;
  milliseconds exit_check{1};
};

void read_into(UniqueFd& fd, std::span<char> buffer, int max_reads,
               const std::function<void(std::string_view)>& sink) {
  for (int i = 0; i < max_reads && fd; ++i) {
    ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n > 0) {
      sink(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    fd.reset();
  }
}

void write_input(Session& s) {
  UniqueFd& fd = s.ssh.stdin_fd;
  while (fd && !s.input.empty()) {
    ssize_t n = ::write(fd.get(), s.input.data(), s.input.size());
    if (n > 0) {
      s.input.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    fd.reset();  // ssh is gone (EPIPE): the rest is not wanted
  }
  fd.reset();
}

std::optional<pid_t> parse_master_pid(const std::string& text) {
  auto at = text.find("pid=");
  if (at == std::string::npos) return {};
  pid_t pid = 0;
  bool any = false;
  for (std::size_t i = at + 4; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    pid = pid * 10 + (text[i] - '0');
    any = true;
  }
  return any && pid > 0 ? std::optional<pid_t>(pid) : std::nullopt;
}

// Blocks SIGPIPE in this thread while the loop writes to ssh's stdin (see LocalRunner).
class SigpipeBlock {
 public:
  SigpipeBlock() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, &old_);
  }
  ~SigpipeBlock() {
    if (sigismember(&old_, SIGPIPE) == 0) {
      sigset_t set;
      sigemptyset(&set);
      sigaddset(&set, SIGPIPE);
      const timespec no_wait{0, 0};
      while (sigtimedwait(&set, nullptr, &no_wait) == SIGPIPE) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;

 private:
  sigset_t old_;
};

}  // namespace

// The poll loop behind SshRunner::run() and run_all(): one thread, every session's pipes and
// pidfds, deadlines and remote kills.
class SshSessionLoop {
 public:
  SshSessionLoop(SshRunner& runner, std::span<const Command* const> commands, std::size_t parallel)
      : runner_(runner),
        commands_(commands),
        outcomes_(commands.size()),
        limit_(std::min(parallel == 0 ? commands.size() : parallel, runner.options_.max_sessions)),
        buffer_(kReadChunk) {}

  std::vector<Outcome> run() {
    {
      std::lock_guard lock(runner_.master_mutex_);
      runner_.ensure_master();
    }
    SigpipeBlock sigpipe;
    while ((next_ < commands_.size() && !failure_) || !active_.empty()) {
      start_sessions();
      if (active_.empty()) continue;
      wait_for_events();
      check_sessions();
    }
    if (failure_) throw *failure_;
    return std::move(outcomes_);
  }

 private:
  void start_sessions() {
    while (next_ < commands_.size() && !failure_ && active_.size() < limit_) {
      if (!runner_.session_slots_.try_acquire()) {
        if (!active_.empty()) return;  // other calls on this runner hold the slots
        runner_.session_slots_.acquire();
      }
      auto session = std::make_unique<Session>(next_, *commands_[next_], runner_.session_slots_);
      ++next_;
      const Command& command = session->command;
      if (command.argv.empty() || !command.program.empty()) {
        // A program file of this machine (Command::program) means nothing on the node.
        Outcome& outcome = outcomes_[session->index];
        outcome.status = Outcome::Status::kFailedToStart;
        outcome.start_step = command.argv.empty() ? "argv" : "program";
        outcome.start_errno = EINVAL;
        continue;
      }
      std::string remote =
          posix_quote_argv(wrapped_remote_argv(command, runner_.options_.sudo, session->nonce));
      Command ssh_command{.argv = ssh_session_argv(runner_.options_, runner_.control_path_, remote),
                          .stdin_bytes = command.stdin_bytes};
      auto spawned = spawn_child(ssh_command);
      if (auto* spawn_failure = std::get_if<SpawnFailure>(&spawned)) {
        Outcome& outcome = outcomes_[session->index];
        outcome.status = Outcome::Status::kFailedToStart;
        outcome.start_step = "ssh: " + spawn_failure->step;
        outcome.start_errno = spawn_failure->error;
        continue;
      }
      session->ssh = std::move(std::get<SpawnedChild>(spawned));
      if (command.stdin_bytes) session->input = *command.stdin_bytes;
      if (command.timeout.count() > 0) session->deadline = session->started + command.timeout;
      active_.push_back(std::move(session));
    }
  }

  void wait_for_events() {
    enum class Stream { kStdin, kStdout, kStderr, kExit };
    std::vector<pollfd> fds;
    std::vector<std::pair<Session*, Stream>> owners;
    auto add = [&](const UniqueFd& fd, short events, Session* owner, Stream stream) {
      if (!fd) return;
      fds.push_back(pollfd{fd.get(), events, 0});
      owners.emplace_back(owner, stream);
    };
    Clock::time_point now = Clock::now();
    std::optional<Clock::time_point> wake;
    auto wake_by = [&wake](Clock::time_point at) { wake = wake ? std::min(*wake, at) : at; };
    for (auto& s : active_) {
      add(s->ssh.stdin_fd, POLLOUT, s.get(), Stream::kStdin);
      add(s->ssh.stdout_fd, POLLIN, s.get(), Stream::kStdout);
      add(s->ssh.stderr_fd, POLLIN, s.get(), Stream::kStderr);
      if (s->ssh_exited_at) {
        wake_by(*s->ssh_exited_at + LocalRunner::kLeftoverGrace);
        continue;
      }
      if (s->ssh.pidfd) {
        add(s->ssh.pidfd, POLLIN, s.get(), Stream::kExit);
      } else {
        wake_by(now + s->exit_check);
        s->exit_check = std::min(s->exit_check * 2, kExitCheckInterval);
      }
      if (s->deadline && !s->timed_out) wake_by(*s->deadline);
      if (s->finished_remotely && !s->group_killed) {
        wake_by(*s->finished_remotely + LocalRunner::kLeftoverGrace);
      }
      if (s->force_kill_at) wake_by(*s->force_kill_at);
    }
    int timeout = -1;
    if (wake) {
      auto wait = std::chrono::ceil<milliseconds>(*wake - now).count();
      timeout = static_cast<int>(std::clamp<decltype(wait)>(wait, 0, INT_MAX));
    }
    int ready = ::poll(fds.data(), fds.size(), timeout);
    if (ready < 0 && errno != EINTR) {
      const char* reason = strerrordesc_np(errno);
      throw Error(fmt::format("poll() failed while running commands on {}: {}", runner_.name(),
                              reason != nullptr ? reason : "unknown error"));
    }
    now = Clock::now();
    for (std::size_t i = 0; ready > 0 && i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      // Not a structured binding: clang before 16 cannot capture one in the lambdas below.
      auto* s = owners[i].first;
      switch (owners[i].second) {
        case Stream::kStdin:
          write_input(*s);
          break;
        case Stream::kStdout:
          read_into(s->ssh.stdout_fd, buffer_, 4, [s](std::string_view b) { s->out.add(b); });
          break;
        case Stream::kStderr:
          read_into(s->ssh.stderr_fd, buffer_, 4,
                    [this, s](std::string_view b) { on_stderr(*s, b); });
          break;
        case Stream::kExit:
          s->ssh_exited_at = now;
          break;
      }
    }
  }

  // Watches stderr for the wrapper's markers: the pgid (needed for a deadline) near the start,
  // the exit marker (the remote command ended) at the end.
  void on_stderr(Session& s, std::string_view bytes) {
    if (!s.finished_remotely) {
      s.window.append(bytes);
      if (s.window.find("\n" + s.nonce + " exit ") != std::string::npos) {
        s.finished_remotely = Clock::now();
      }
      std::size_t keep = s.nonce.size() + 8;
      if (s.window.size() > keep) s.window.erase(0, s.window.size() - keep);
    }
    if (!s.searching_head) {
      s.err.add(bytes);
      return;
    }
    s.head.append(bytes);
    WrapperReport found = take_wrapper_report(s.head, s.nonce);
    if (found.pgid) s.report.pgid = found.pgid;
    if (found.no_start) {
      s.report.no_start = found.no_start;
      s.report.no_start_errno = found.no_start_errno;
    }
    if (found.exit_status) s.report.exit_status = found.exit_status;
    if (s.report.pgid || s.report.no_start || s.head.size() > kMarkerSearchLimit) {
      s.searching_head = false;
      s.err.add(s.head);
      s.head.clear();
    }
  }

  void check_sessions() {
    for (auto it = active_.begin(); it != active_.end();) {
      Session& s = **it;
      Clock::time_point now = Clock::now();
      if (!s.ssh_exited_at && !s.ssh.pidfd && exited_without_reaping(s.ssh.pid)) {
        s.ssh_exited_at = now;
      }
      if (!s.ssh_exited_at) {
        if (s.deadline && !s.timed_out && now >= *s.deadline) {
          s.timed_out = true;
          kill_remote(s, now);
        } else if (s.finished_remotely && !s.group_killed &&
                   now >= *s.finished_remotely + LocalRunner::kLeftoverGrace) {
          kill_remote(s, now);  // processes of its session still hold the output open
        }
        if (s.force_kill_at && now >= *s.force_kill_at) {
          kill(-s.ssh.pid, SIGKILL);
          s.force_kill_at.reset();
        }
      }
      bool pipes_closed = !s.ssh.stdout_fd && !s.ssh.stderr_fd;
      if (s.ssh_exited_at &&
          (pipes_closed || now >= *s.ssh_exited_at + LocalRunner::kLeftoverGrace)) {
        // ssh ended but something holds its output: end the command's session on the node
        // too, as the leftover rule wants.
        if (!pipes_closed && s.finished_remotely && !s.group_killed) kill_remote(s, now);
        finish(s);
        it = active_.erase(it);
      } else {
        if (s.ssh_exited_at) s.ssh.stdin_fd.reset();
        ++it;
      }
    }
  }

  // Kills the command's session on the node (when its id is known), and the local ssh soon
  // after unless it ends by itself.
  void kill_remote(Session& s, Clock::time_point now) {
    s.group_killed = true;
    if (!s.report.pgid) {
      kill(-s.ssh.pid, SIGKILL);
      return;
    }
    runner_.kill_remote_group(*s.report.pgid);
    s.force_kill_at = now + SshRunner::kKillGrace;
  }

  void finish(Session& s) {
    kill(-s.ssh.pid, SIGKILL);  // a ProxyCommand or similar left holding the pipes
    read_into(s.ssh.stdout_fd, buffer_, INT_MAX, [&s](std::string_view b) { s.out.add(b); });
    read_into(s.ssh.stderr_fd, buffer_, INT_MAX,
              [this, &s](std::string_view b) { on_stderr(s, b); });
    s.ssh.stdout_fd.reset();
    s.ssh.stderr_fd.reset();
    s.ssh.stdin_fd.reset();
    int wait_status = reap(s.ssh.pid);
    s.ssh.pid = -1;

    std::string err = std::move(s.head);
    err += s.err.data;
    WrapperReport report = take_wrapper_report(err, s.nonce);
    if (!report.no_start && s.report.no_start) {
      report.no_start = s.report.no_start;
      report.no_start_errno = s.report.no_start_errno;
    }
    if (!report.exit_status) report.exit_status = s.report.exit_status;

    Outcome outcome;
    if (s.timed_out) {
      outcome.status = Outcome::Status::kTimedOut;
      outcome.signal = SIGKILL;
    } else if (report.no_start) {
      outcome.status = Outcome::Status::kFailedToStart;
      outcome.start_step = *report.no_start;
      outcome.start_errno = report.no_start_errno;
    } else if (report.exit_status) {
      set_remote_status(outcome, *report.exit_status);
    } else {
      // The wrapper never reported: ssh or sudo failed before or around the command.
      int code = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
      SshFailure failure = classify_ssh_failure(err);
      bool sudo = failure == SshFailure::kSudoPassword || failure == SshFailure::kSudoRefused;
      if (code == 255 || sudo) {
        if (!sudo && (failure == SshFailure::kOther || s.report.pgid)) {
          failure = SshFailure::kConnectionLost;
        }
        note_failure(s, failure, err, code);
      }
      if (WIFSIGNALED(wait_status)) {
        outcome.status = Outcome::Status::kKilled;
        outcome.signal = WTERMSIG(wait_status);
      } else {
        outcome.status = Outcome::Status::kExited;
        outcome.exit_code = code;
      }
    }
    std::size_t limit = s.command.output_limit;
    outcome.err_truncated = s.err.dropped || err.size() > limit;
    if (err.size() > limit) err.erase(0, err.size() - limit);
    s.out.trim(limit);
    outcome.out_truncated = s.out.dropped;
    outcome.out = std::move(s.out.data);
    outcome.err = std::move(err);
    outcome.elapsed = std::chrono::duration_cast<milliseconds>(Clock::now() - s.started);
    outcomes_[s.index] = std::move(outcome);
  }

  void note_failure(const Session& s, SshFailure failure, const std::string& err, int code) {
    if (failure_) return;
    const SshOptions& options = runner_.options_;
    std::string detail = ssh_failure_detail(err);
    if (err.find_first_not_of(" \r\n") == std::string::npos) {
      detail = "ssh ended before the command reported its exit status";
    }
    SshError error(failure,
                   ssh_failure_message(failure, options, detail, "while running a command"));
    error.at(ssh_node_location(options));
    std::string tail = err.size() > 2000 ? err.substr(err.size() - 2000) : err;
    while (!tail.empty() && tail.back() == '\n') tail.pop_back();
    error.with_command(s.command.display(), fmt::format("ssh exited with code {}", code), tail);
    failure_ = std::move(error);
  }

  SshRunner& runner_;
  std::span<const Command* const> commands_;
  std::vector<Outcome> outcomes_;
  std::size_t limit_;
  std::size_t next_ = 0;
  std::vector<std::unique_ptr<Session>> active_;
  std::vector<char> buffer_;
  std::optional<SshError> failure_;
};

SshRunner::SshRunner(SshOptions options)
    : options_(std::move(options)),
      session_slots_(static_cast<std::ptrdiff_t>(options_.max_sessions)) {
  validate_ssh_options(options_);
  std::string dir =
      options_.control_dir.empty() ? join_path(state_dir(), "ssh") : options_.control_dir;
  std::string short_dir = fmt::format("/tmp/cnfctl-ssh-{}", ::getuid());
  control_path_ = ssh_control_path(options_, dir, short_dir, static_cast<long>(::getpid()),
                                   next_serial.fetch_add(1));
  forward_dir_ = control_path_ + ".fwd";
}

SshRunner::~SshRunner() {
  close();
}

std::size_t SshRunner::connections_opened() const {
  std::lock_guard lock(master_mutex_);
  return connections_opened_;
}

void SshRunner::connect() {
  std::lock_guard lock(master_mutex_);
  ensure_master();
}

bool SshRunner::master_alive() const {
  if (master_pid_ <= 0 || ::kill(master_pid_, 0) != 0) return false;
  // An exited master that its parent has not reaped yet is no master.
  std::ifstream stat(fmt::format("/proc/{}/stat", master_pid_));
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto state = stat_field(text, 3);
  return !state || state->front() != 'Z';
}

void SshRunner::ensure_master() {
  if (master_alive()) return;
  const std::string dir = std::filesystem::path(control_path_).parent_path();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || ::chmod(dir.c_str(), 0700) != 0) {
    throw Error(fmt::format("cannot create the SSH control directory {}: {}", dir,
                            ec ? ec.message() : std::string(strerrordesc_np(errno))))
        .at(ssh_node_location(options_));
  }
  ::unlink(control_path_.c_str());  // left by a master that was killed

  Command start{.argv = ssh_master_argv(options_, control_path_),
                .timeout = std::chrono::duration_cast<milliseconds>(options_.connect_timeout) +
                           kAuthAllowance};
  Outcome outcome = local_.run(start);
  if (!outcome.ok()) {
    SshFailure failure = classify_ssh_failure(outcome.err);
    std::string detail = ssh_failure_detail(outcome.err);
    if (outcome.status == Outcome::Status::kTimedOut) {
      failure = SshFailure::kUnreachable;
      detail = fmt::format("no answer within {} ms", outcome.elapsed.count());
    } else if (outcome.status == Outcome::Status::kFailedToStart) {
      detail = fmt::format("cannot run {} ({}); install openssh-client", options_.ssh_program,
                           outcome.describe_status());
    } else if (failure == SshFailure::kConnectionLost) {
      failure = SshFailure::kUnreachable;  // it never was established
    }
    SshError error(failure, ssh_failure_message(failure, options_, detail, "while connecting"));
    error.at(ssh_node_location(options_));
    error.with_command(start.display(), outcome.describe_status(), outcome.tail());
    throw error;
  }
  ++connections_opened_;
  Outcome check = local_.run(Command{.argv = ssh_control_argv(options_, control_path_, "check"),
                                     .timeout = kControlTimeout});
  master_pid_ = parse_master_pid(check.err).value_or(-1);
  if (master_pid_ <= 0) {
    SshError error(SshFailure::kOther,
                   fmt::format("{}: the SSH master started but does not answer on {} ({})", name(),
                               control_path_, ssh_failure_detail(check.err)));
    error.at(ssh_node_location(options_));
    throw error;
  }
}

bool SshRunner::kill_remote_group(long pgid) {
  std::string remote = posix_quote_argv(kill_group_argv(pgid, options_.sudo));
  Command kill_command{.argv = ssh_session_argv(options_, control_path_, remote),
                       .timeout = kControlTimeout};
  return local_.run(kill_command).ok();
}

void SshRunner::close() noexcept {
  try {
    std::lock_guard lock(master_mutex_);
    for (const auto& [target, forward] : forwards_) {
      if (forward.master == connections_opened_ && master_alive()) {
        forward_request("cancel", forward.local, target);
      }
      ::unlink(forward.local.c_str());
    }
    forwards_.clear();
    ::rmdir(forward_dir_.c_str());
    if (master_pid_ <= 0) return;
    local_.run(Command{.argv = ssh_control_argv(options_, control_path_, "exit"),
                       .timeout = kControlTimeout});
    for (int i = 0; i < 100 && master_alive(); ++i) ::usleep(10'000);
    if (master_alive()) ::kill(master_pid_, SIGTERM);
    ::unlink(control_path_.c_str());
    master_pid_ = -1;
  } catch (...) {  // NOLINT(bugprone-empty-catch): close() runs in destructors
  }
}

namespace {

bool has_control_character(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

// `ssh -O <request> -L <local>:<target> ... -- host`. The common options clear every forward
// given on the command line (ClearAllForwardings=yes, right for sessions); the first value
// given wins, so this request keeps its -L.
std::vector<std::string> forward_argv(const SshOptions& options, const std::string& control_path,
                                      const std::string& request, const std::string& local,
                                      const std::string& target) {
  std::vector<std::string> argv = ssh_control_argv(options, control_path, request);
  argv.insert(argv.begin() + 3, {"-o", "ClearAllForwardings=no", "-L", local + ":" + target});
  return argv;
}

bool is_socket(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

}  // namespace

std::string SshRunner::forward_unix_socket(const std::string& remote_path) {
  const std::string where = ssh_node_location(options_);
  require_input(!remote_path.empty() && remote_path.front() == '/', where,
                fmt::format("cannot forward the socket '{}': not an absolute path", remote_path));
  require_input(remote_path.find(':') == std::string::npos && !has_control_character(remote_path) &&
                    remote_path.size() <= 4096,
                where,
                fmt::format("cannot forward the socket '{}': ssh cannot forward a path with ':', "
                            "control characters or more than 4096 bytes",
                            remote_path));
  return forward(remote_path, remote_path);
}

std::string SshRunner::forward_tcp(const std::string& host, std::uint16_t port) {
  const std::string where = ssh_node_location(options_);
  const bool ipv6 = host.find(':') != std::string::npos;
  bool ok = !host.empty() && port != 0 && host.find('/') == std::string::npos &&
            !has_control_character(host) && host.find(' ') == std::string::npos &&
            host.find('[') == std::string::npos && host.find(']') == std::string::npos &&
            host.size() <= 255;
  if (ipv6) {
    ok = ok && std::all_of(host.begin(), host.end(), [](char c) {
           return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':' || c == '.';
         });
  }
  require_input(ok, where,
                fmt::format("cannot forward TCP '{}' port {}: not a host name or address and a "
                            "port from 1 to 65535",
                            host, port));
  const std::string shown =
      ipv6 ? fmt::format("[{}]:{}", host, port) : fmt::format("{}:{}", host, port);
  return forward(shown, shown);
}

std::map<std::string, std::string> SshRunner::forwards() const {
  std::lock_guard lock(master_mutex_);
  std::map<std::string, std::string> result;
  for (const auto& [target, forward] : forwards_) result[forward.local] = forward.display;
  return result;
}

Outcome SshRunner::forward_request(const std::string& request, const std::string& local,
                                   const std::string& target) {
  return local_.run(Command{.argv = forward_argv(options_, control_path_, request, local, target),
                            .timeout = kControlTimeout});
}

std::string SshRunner::forward(const std::string& target, const std::string& display) {
  std::lock_guard lock(master_mutex_);
  ensure_master();
  auto it = forwards_.find(target);
  const bool same_master = it != forwards_.end() && it->second.master == connections_opened_;
  if (same_master && is_socket(it->second.local)) return it->second.local;
  std::error_code ec;
  std::filesystem::create_directories(forward_dir_, ec);
  if (ec || ::chmod(forward_dir_.c_str(), 0700) != 0) {
    throw Error(fmt::format("cannot create the SSH forward directory {}: {}", forward_dir_,
                            ec ? ec.message() : std::string(strerrordesc_np(errno))))
        .at(ssh_node_location(options_));
  }
  std::string local = it != forwards_.end() ? it->second.local
                                            : fmt::format("{}/{}", forward_dir_, next_forward_++);
  // A socket left by an earlier master (or a cancelled forward) would make the bind fail: ssh
  // only replaces it with StreamLocalBindUnlink=yes on the master. The directory is ours alone.
  ::unlink(local.c_str());
  // The master ignores a forward it holds already, even when its socket was removed.
  if (same_master) forward_request("cancel", local, target);
  Outcome outcome = forward_request("forward", local, target);
  if (!outcome.ok() || !is_socket(local)) {
    Error error(
        fmt::format("cannot forward {} on {} to a local socket: ssh refused the forward "
                    "(does the node's sshd allow {} forwarding?)",
                    display, name(),
                    target.front() == '/' ? "AllowStreamLocalForwarding" : "AllowTcpForwarding"));
    error.at(ssh_node_location(options_));
    error.with_command(
        posix_quote_argv(forward_argv(options_, control_path_, "forward", local, target)),
        outcome.describe_status(), outcome.tail());
    ::unlink(local.c_str());
    if (it != forwards_.end()) forwards_.erase(it);
    throw error;
  }
  forwards_[target] = Forward{.local = local, .display = display, .master = connections_opened_};
  return local;
}

Outcome SshRunner::run(const Command& command) {
  const Command* one[] = {&command};
  return std::move(SshSessionLoop(*this, one, 1).run().front());
}

std::vector<Outcome> SshRunner::run_all(const std::vector<Command>& commands,
                                        std::size_t parallel) {
  std::vector<const Command*> pointers;
  pointers.reserve(commands.size());
  for (const auto& command : commands) pointers.push_back(&command);
  return SshSessionLoop(*this, pointers, parallel).run();
}

}  // namespace cnfctl::process
