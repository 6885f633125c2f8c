// Running commands on a node: the one interface behind which local and SSH execution sit.
//
// A Command is always an argv; there is no "shell string" constructor. Engines, NF drivers and
// the orchestrator only ever see a Runner, so the same code drives a local or a remote node.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cnfctl::process {

/// What to run. Build it with the fluent setters or aggregate-initialise it.
struct Command {
  // Every member has a default member initializer, so designated initialisers may name only
  // what they need (`Command{.argv = {"true"}}`) without -Wmissing-field-initializers.
  std::vector<std::string> argv{};           // argv[0] is looked up in PATH when it has no '/'
  std::map<std::string, std::string> env{};  // set (or override) in the child's environment
  std::vector<std::string> unset_env{};      // removed from the child's environment
  std::string cwd{};                         // empty: the caller's working directory
  std::optional<std::string> stdin_bytes{};  // nullopt: stdin is /dev/null
  std::chrono::milliseconds timeout{0};      // 0: no deadline
  std::size_t output_limit = std::size_t{1} << 20;  // bytes kept per stream; the tail is kept
  // Not empty: stdout and stderr are appended to this file on the node (created 0640) instead
  // of captured (Outcome::out/err stay empty), as `>>FILE 2>&1` would; for a program that
  // leaves a daemon holding them (`runc run -d`).
  std::string output_file{};
  // Not empty: the file to execute, tried before argv[0]'s own lookup, while the program still
  // sees argv[0] as its name (a SealedProgram copy). This machine's runs only: an SSH runner
  // refuses it.
  std::string program{};

  /// Fluent setters for the members above; each returns *this and never fails. `env` wins over
  /// `unset_env` when a name is in both.
  Command& set_env(std::string name, std::string value) {
    env[std::move(name)] = std::move(value);
    return *this;
  }
  Command& unset(std::string name) {
    unset_env.push_back(std::move(name));
    return *this;
  }
  Command& in_dir(std::string dir) {
    cwd = std::move(dir);
    return *this;
  }
  Command& with_stdin(std::string bytes) {
    stdin_bytes = std::move(bytes);
    return *this;
  }
  Command& with_timeout(std::chrono::milliseconds limit) {
    timeout = limit;
    return *this;
  }
  Command& with_output_limit(std::size_t bytes) {
    output_limit = bytes;
    return *this;
  }

  /// The argv as one line for messages (POSIX-quoted, for humans and logs only). Never fails;
  /// an empty argv gives "".
  std::string display() const;
};

/// How a command ended.
struct Outcome {
  enum class Status {
    kExited,         // exited normally; see exit_code
    kKilled,         // killed by a signal; see signal
    kTimedOut,       // the deadline passed; the whole process group was killed
    kFailedToStart,  // could not be started; see start_errno
  };
  Status status = Status::kFailedToStart;
  int exit_code = -1;
  int signal = 0;
  int start_errno = 0;
  std::string start_step;  // kFailedToStart: the step that failed ("exec", "chdir", "clone", ...)
  std::string out;         // captured stdout (its tail when longer than output_limit)
  std::string err;         // captured stderr (its tail when longer than output_limit)
  bool out_truncated = false;
  bool err_truncated = false;
  std::chrono::milliseconds elapsed{0};

  bool ok() const { return status == Status::kExited && exit_code == 0; }
  /// "exited with code 3", "killed by signal 9 (SIGKILL)", "timed out after 500 ms",
  /// "failed to start: No such file or directory" (other steps than exec are named:
  /// "failed to start: chdir: No such file or directory"). Never fails.
  std::string describe_status() const;
  /// The last `lines` lines of stderr (or of stdout when stderr is empty), without the final
  /// newline; "" when both are empty. Never fails.
  std::string tail(std::size_t lines = 20) const;
};

/// Runs commands on one node.
class Runner {
 public:
  virtual ~Runner() = default;

  /// Runs one command to completion. Never throws for a failing command: the Outcome says how it
  /// ended.
  virtual Outcome run(const Command& command) = 0;

  /// Runs all commands concurrently (at most `parallel` at a time, 0 = all) and returns their
  /// outcomes in the same order. One thread drives all children.
  virtual std::vector<Outcome> run_all(const std::vector<Command>& commands,
                                       std::size_t parallel = 0) = 0;

  /// A short name for messages: "local", "ssh root@10.0.0.2:22".
  virtual std::string name() const = 0;
};

/// Runs `command` and returns its Outcome when it exited with code 0. Otherwise throws
/// cnfctl::Error "<what> failed" carrying the command line, the status and the stderr tail
/// (Error::with_command). `what` says what was being done ("create container nf1").
Outcome run_checked(Runner& runner, const Command& command, const std::string& what);

}  // namespace cnfctl::process
