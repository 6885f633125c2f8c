#include "process/local_runner.h"

#include <fmt/format.h>
#include <poll.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <variant>

#include "common/error.h"
#include "process/spawn.h"

namespace cnfctl::process {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::size_t kReadChunk = 64 * 1024;
// Only without pidfd (Linux < 5.3): how often to ask waitid whether a leader exited, at most.
constexpr milliseconds kMaxExitCheckInterval{50};

// Keeps the last `limit` bytes written to it, and how many were written in all.
class TailBuffer {
 public:
  explicit TailBuffer(std::size_t limit) : limit_(limit) {}

  void append(const char* data, std::size_t size) {
    total_ += size;
    if (size >= limit_) {
      data_.assign(data + (size - limit_), limit_);
      return;
    }
    data_.append(data, size);
    // Trim lazily (at twice the limit) so that appending stays amortised O(1) per byte.
    if (data_.size() > limit_ && data_.size() - limit_ > limit_)
      data_.erase(0, data_.size() - limit_);
  }

  bool truncated() const { return total_ > limit_; }

  std::string take() {
    if (data_.size() > limit_) data_.erase(0, data_.size() - limit_);
    return std::move(data_);
  }

 private:
  std::size_t limit_;
  std::size_t total_ = 0;
  std::string data_;
};

// Blocks SIGPIPE in the calling thread only, so writing to the stdin of a child that exited gives
// EPIPE instead of killing cnfctl, without touching the process-wide disposition other threads
// rely on. A SIGPIPE raised meanwhile is consumed before the old mask comes back.
class ThreadSigpipeBlock {
 public:
  ThreadSigpipeBlock() {
    sigemptyset(&sigpipe_);
    sigaddset(&sigpipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &sigpipe_, &old_mask_);
  }
  ~ThreadSigpipeBlock() {
    if (raised_ && sigismember(&old_mask_, SIGPIPE) == 0) {
      const timespec no_wait{0, 0};
      while (sigtimedwait(&sigpipe_, nullptr, &no_wait) == SIGPIPE) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
  }
  ThreadSigpipeBlock(const ThreadSigpipeBlock&) = delete;
  ThreadSigpipeBlock& operator=(const ThreadSigpipeBlock&) = delete;

  void note_raised() { raised_ = true; }

 private:
  sigset_t sigpipe_;
  sigset_t old_mask_;
  bool raised_ = false;
};

// Waits for `pid` to end, retrying on EINTR; returns its wait status (0 if waitpid failed).
int reap(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

// One started child and what the loop knows about it.
struct Running {
  Running(std::size_t index_in, const Command& command_in)
      : index(index_in),
        command(command_in),
        started(Clock::now()),
        out(command_in.output_limit),
        err(command_in.output_limit) {}
  Running(const Running&) = delete;
  Running& operator=(const Running&) = delete;
  // Reached with an unreaped child only when the loop is left by an exception.
  ~Running() {
    if (child.pid > 0) {
      kill(-child.pid, SIGKILL);
      reap(child.pid);
    }
  }

  std::size_t index;
  const Command& command;
  Clock::time_point started;
  SpawnedChild child;
  std::string_view input;  // stdin bytes not written yet
  TailBuffer out;
  TailBuffer err;
  std::optional<Clock::time_point> deadline;
  std::optional<Clock::time_point> exited_at;  // the leader exited (it is a zombie until reaped)
  bool timed_out = false;
  milliseconds exit_check_interval{1};  // without pidfd only
};

Outcome failed_to_start(const SpawnFailure& failure, Clock::time_point started) {
  Outcome outcome;
  outcome.status = Outcome::Status::kFailedToStart;
  outcome.start_step = failure.step;
  outcome.start_errno = failure.error;
  outcome.elapsed = std::chrono::duration_cast<milliseconds>(Clock::now() - started);
  return outcome;
}

// Reads what `fd` has (at most `max_reads` chunks) into `tail`; closes `fd` at EOF or error.
void read_available(UniqueFd& fd, TailBuffer& tail, std::span<char> buffer, int max_reads) {
  for (int i = 0; i < max_reads && fd; ++i) {
    ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n > 0) {
      tail.append(buffer.data(), static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    fd.reset();  // EOF, or an error after which nothing more can be read
  }
}

// Writes as much pending stdin as the pipe takes; closes it when done or when the child is gone.
void write_input(Running& running, ThreadSigpipeBlock& sigpipe) {
  UniqueFd& fd = running.child.stdin_fd;
  while (fd && !running.input.empty()) {
    ssize_t n = ::write(fd.get(), running.input.data(), running.input.size());
    if (n > 0) {
      running.input.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n < 0 && errno == EPIPE) sigpipe.note_raised();
    fd.reset();  // the child closed its stdin: the rest of the input is not wanted
  }
  fd.reset();
}

// Without pidfd: whether the leader exited, leaving it unreaped so its group id stays reserved.
bool leader_exited(pid_t pid) {
  siginfo_t info{};
  return waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
         info.si_pid == pid;
}

// Ends a child whose leader exited: kills group members still holding its pipes, collects the
// last output, reaps the leader and returns its Outcome.
Outcome finish(Running& running, std::span<char> buffer) {
  SpawnedChild& child = running.child;
  if (child.stdout_fd || child.stderr_fd) {
    // The leader is an unreaped zombie, so its process group id cannot have been reused.
    kill(-child.pid, SIGKILL);
    read_available(child.stdout_fd, running.out, buffer, INT_MAX);
    read_available(child.stderr_fd, running.err, buffer, INT_MAX);
    child.stdout_fd.reset();
    child.stderr_fd.reset();
  }
  child.stdin_fd.reset();
  int status = reap(child.pid);
  child.pid = -1;

  Outcome outcome;
  if (WIFSIGNALED(status)) {
    outcome.status = running.timed_out ? Outcome::Status::kTimedOut : Outcome::Status::kKilled;
    outcome.signal = WTERMSIG(status);
  } else {
    outcome.status = Outcome::Status::kExited;
    outcome.exit_code = WEXITSTATUS(status);
  }
  outcome.out_truncated = running.out.truncated();
  outcome.err_truncated = running.err.truncated();
  outcome.out = running.out.take();
  outcome.err = running.err.take();
  outcome.elapsed = std::chrono::duration_cast<milliseconds>(Clock::now() - running.started);
  return outcome;
}

int poll_timeout(std::optional<Clock::time_point> wake, Clock::time_point now) {
  if (!wake) return -1;
  if (*wake <= now) return 0;
  auto wait = std::chrono::ceil<milliseconds>(*wake - now).count();
  return static_cast<int>(std::min<decltype(wait)>(wait, INT_MAX));
}

// The single poll loop behind run() and run_all().
std::vector<Outcome> run_commands(std::span<const Command* const> commands, std::size_t parallel) {
  std::vector<Outcome> outcomes(commands.size());
  std::vector<std::unique_ptr<Running>> running;
  const std::size_t limit = parallel == 0 ? commands.size() : parallel;
  std::size_t next = 0;
  ThreadSigpipeBlock sigpipe;
  std::vector<char> buffer(kReadChunk);

  enum class Stream { kStdin, kStdout, kStderr, kExit };
  std::vector<pollfd> poll_fds;
  std::vector<std::pair<Running*, Stream>> poll_owners;

  while (next < commands.size() || !running.empty()) {
    while (next < commands.size() && running.size() < limit) {
      auto started = std::make_unique<Running>(next, *commands[next]);
      auto spawned = spawn_child(started->command);
      if (auto* failure = std::get_if<SpawnFailure>(&spawned)) {
        outcomes[next] = failed_to_start(*failure, started->started);
      } else {
        started->child = std::move(std::get<SpawnedChild>(spawned));
        if (started->command.stdin_bytes) started->input = *started->command.stdin_bytes;
        if (started->command.timeout.count() > 0) {
          started->deadline = started->started + started->command.timeout;
        }
        running.push_back(std::move(started));
      }
      ++next;
    }
    if (running.empty()) continue;

    poll_fds.clear();
    poll_owners.clear();
    auto add = [&](const UniqueFd& fd, short events, Running* owner, Stream stream) {
      if (!fd) return;
      poll_fds.push_back(pollfd{fd.get(), events, 0});
      poll_owners.emplace_back(owner, stream);
    };
    Clock::time_point now = Clock::now();
    std::optional<Clock::time_point> wake;
    auto wake_by = [&wake](Clock::time_point at) { wake = wake ? std::min(*wake, at) : at; };
    for (auto& r : running) {
      add(r->child.stdin_fd, POLLOUT, r.get(), Stream::kStdin);
      add(r->child.stdout_fd, POLLIN, r.get(), Stream::kStdout);
      add(r->child.stderr_fd, POLLIN, r.get(), Stream::kStderr);
      if (r->exited_at) {
        wake_by(*r->exited_at + LocalRunner::kLeftoverGrace);
        continue;
      }
      if (r->child.pidfd) {
        add(r->child.pidfd, POLLIN, r.get(), Stream::kExit);
      } else {
        wake_by(now + r->exit_check_interval);
        r->exit_check_interval = std::min(r->exit_check_interval * 2, kMaxExitCheckInterval);
      }
      if (r->deadline && !r->timed_out) wake_by(*r->deadline);
    }

    int ready = ::poll(poll_fds.data(), poll_fds.size(), poll_timeout(wake, now));
    if (ready < 0 && errno != EINTR) {
      // Running's destructor kills and reaps every child.
      const char* reason = strerrordesc_np(errno);
      throw Error(fmt::format("poll() failed while running commands: {}",
                              reason != nullptr ? reason : "unknown error"));
    }
    now = Clock::now();
    for (std::size_t i = 0; ready > 0 && i < poll_fds.size(); ++i) {
      if (poll_fds[i].revents == 0) continue;
      auto [r, stream] = poll_owners[i];
      switch (stream) {
        case Stream::kStdin:
          write_input(*r, sigpipe);
          break;
        case Stream::kStdout:
          read_available(r->child.stdout_fd, r->out, buffer, 4);
          break;
        case Stream::kStderr:
          read_available(r->child.stderr_fd, r->err, buffer, 4);
          break;
        case Stream::kExit:
          r->exited_at = now;
          break;
      }
    }

    for (auto it = running.begin(); it != running.end();) {
      Running& r = **it;
      if (!r.exited_at && !r.child.pidfd && leader_exited(r.child.pid)) r.exited_at = now;
      if (!r.exited_at && r.deadline && !r.timed_out && now >= *r.deadline) {
        kill(-r.child.pid, SIGKILL);
        r.timed_out = true;
      }
      bool pipes_closed = !r.child.stdout_fd && !r.child.stderr_fd;
      if (r.exited_at && (pipes_closed || now >= *r.exited_at + LocalRunner::kLeftoverGrace)) {
        outcomes[r.index] = finish(r, buffer);
        it = running.erase(it);
      } else {
        if (r.exited_at) r.child.stdin_fd.reset();  // nobody will read it any more
        ++it;
      }
    }
  }
  return outcomes;
}

}  // namespace

Outcome LocalRunner::run(const Command& command) {
  const Command* one[] = {&command};
  return std::move(run_commands(one, 1).front());
}

std::vector<Outcome> LocalRunner::run_all(const std::vector<Command>& commands,
                                          std::size_t parallel) {
  std::vector<const Command*> pointers;
  pointers.reserve(commands.size());
  for (const auto& command : commands) pointers.push_back(&command);
  return run_commands(pointers, parallel);
}

}  // namespace cnfctl::process
