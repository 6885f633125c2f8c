// How a Command becomes an OpenSSH invocation, and how its result is read back. Pure functions
// (no I/O), so every argv and every parse is unit-tested; SshRunner does the I/O.
//
// A remote command is always one string made by posix_quote_argv() of an argv that starts with
// fixed wrapper scripts (kOuterScript, kInnerScript) followed by the user's data as separate
// words: no user data is ever concatenated into shell text.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "process/runner.h"

namespace cnfctl::process {

/// One SSH node: where it is, who to log in as, and how the connection is kept.
struct SshOptions {
  std::string node;  // the node's name for messages ("dut1"); empty: the host
  std::string host;  // host name, address or ~/.ssh/config alias (never starts with '-')
  std::uint16_t port = 22;
  std::string user = "root";
  std::optional<std::string> identity_file;  // passed as -i; ssh's defaults and agent still apply
  bool sudo = false;                         // prefix remote argv with `sudo -n --`
  std::vector<std::string> ssh_options;      // "Key=Value", each passed as -o
  std::chrono::seconds connect_timeout{10};  // ConnectTimeout
  std::chrono::seconds server_alive_interval{5};  // ServerAliveInterval
  int server_alive_count_max = 3;                 // ServerAliveCountMax: lost after 15 s silence
  std::chrono::seconds control_persist{120};      // master's idle life once cnfctl is gone
  std::size_t max_sessions = 8;  // commands at once over the master (sshd MaxSessions is 10)
  std::string control_dir;       // empty: state_dir()/ssh
  std::string ssh_program = "ssh";
};

/// Why a node cannot be used (as opposed to a command failing on it).
enum class SshFailure {
  kAuthRefused,     // the server refused every key ("Permission denied (publickey)")
  kHostKeyUnknown,  // BatchMode + StrictHostKeyChecking and the host is not in known_hosts
  kHostKeyChanged,  // known_hosts has another key for this host
  kUnreachable,     // refused, no route, timeout, unknown host name
  kConnectionLost,  // the connection dropped while commands ran
  kSudoPassword,    // `sudo -n` needs a password
  kSudoRefused,     // the user may not use sudo at all
  kOther,           // any other ssh failure (the message carries ssh's stderr)
};

/// A node-level failure: the node could not be reached or used. Thrown by SshRunner; the
/// message names the node and says what to do. kind() is ErrorKind::kFailure.
class SshError : public Error {
 public:
  SshError(SshFailure failure, std::string what) : Error(std::move(what)), failure_(failure) {}
  SshFailure failure() const { return failure_; }

 private:
  SshFailure failure_;
};

/// Throws Error::bad_input (where = "node <name>") when `options` cannot work: empty host or
/// user, host or user starting with '-', max_sessions 0, an ssh option not "Key=Value", or an
/// option SshRunner must control itself (ControlMaster, ControlPath, BatchMode, Port, User,
/// RequestTTY, RemoteCommand, SessionType, StdinNull, ForkAfterAuthentication), or an option
/// not on the allow-list (ssh_option_problem).
void validate_ssh_options(const SshOptions& options);

/// Why the ssh option `option` ("Key=Value", passed as -o) may not be used, or nullopt when it
/// may. Only options that tune how ssh connects, authenticates and checks host keys are allowed
/// (ConnectTimeout, StrictHostKeyChecking, UserKnownHostsFile, Ciphers, ...); everything that
/// runs a local command (ProxyCommand, LocalCommand, KnownHostsCommand, Match exec), loads code
/// (PKCS11Provider, SecurityKeyProvider), reads other configuration (Include), starts another
/// ssh (ProxyJump), forwards, or is cnfctl's own (ControlPath, ControlMaster, ...) is refused.
std::optional<std::string> ssh_option_problem(std::string_view option);

/// "ssh user@host:port" (Runner::name()).
std::string ssh_display_name(const SshOptions& options);

/// "node <node>" for Error::at, or "node <host>" when the node has no name.
std::string ssh_node_location(const SshOptions& options);

/// The control socket path: "<dir>/<16 hex of a hash of the destination>-<pid>-<serial>" —
/// private to one SshRunner (masters are not shared between processes). When that is too long
/// for a unix socket (ssh binds "<path>.<16 random chars>" first: ≤ 107 bytes in all), returns
/// the same name under `short_dir` instead. Never fails.
std::string ssh_control_path(const SshOptions& options, const std::string& dir,
                             const std::string& short_dir, long pid, unsigned serial);

/// Starts the master: `ssh -M -N -f -S <path> ... -o ControlPersist=<n>s -- host`. It exits 0
/// once authenticated, leaving the master in the background.
std::vector<std::string> ssh_master_argv(const SshOptions& options, const std::string& path);

/// One session over the master: `ssh -S <path> -o ControlMaster=no -T -e none ... -- host <cmd>`.
std::vector<std::string> ssh_session_argv(const SshOptions& options, const std::string& path,
                                          const std::string& remote_command);

/// A control request to the master (`-O check`, `-O exit`).
std::vector<std::string> ssh_control_argv(const SshOptions& options, const std::string& path,
                                          const std::string& request);

/// The wrapper around every remote command. Run by `sh -c` with $1 = nonce, $2 = cwd ("" = the
/// login directory), then `env` and its arguments: it changes directory, runs the rest in a new
/// session (`setsid -w`) and reports "\n<nonce> exit <status>\n" on stderr when it ends (or
/// "<nonce> nostart chdir <errno>\n").
extern const char* const kOuterScript;
/// Run inside the new session with $1 = nonce, then the user's argv: reports
/// "<nonce> pgid <pid>\n" (its pid is the session's process group) or
/// "<nonce> nostart exec <errno>\n", then execs the argv.
extern const char* const kInnerScript;

/// The argv whose posix_quote_argv() is sent to the node for `command` (not empty):
/// [sudo -n --] /bin/sh -c kOuterScript cnfctl-ssh NONCE CWD env [-u NAME]... -- [K=V]...
/// /bin/sh -c kInnerScript cnfctl-ssh NONCE ARGV...
std::vector<std::string> wrapped_remote_argv(const Command& command, bool sudo,
                                             const std::string& nonce);

/// `[sudo -n --] kill -s KILL -- -<pgid>`: kills a wrapped command's whole session.
std::vector<std::string> kill_group_argv(long pgid, bool sudo);

/// What the wrapper reported in a session's stderr.
struct WrapperReport {
  std::optional<long> pgid;
  std::optional<int> exit_status;       // the wrapper's view: 128+N for signal N
  std::optional<std::string> no_start;  // "chdir" or "exec"
  int no_start_errno = 0;
};

/// Removes every complete marker line of `nonce` from `err` (the exit marker with the newline
/// before it) and returns what they said. Incomplete markers (no final '\n') are left alone.
WrapperReport take_wrapper_report(std::string& err, std::string_view nonce);

/// Turns the wrapper's exit status into an Outcome status: 129..192 (128+N, N a signal number)
/// become kKilled with signal N, because POSIX sh reports a child killed by signal N as 128+N
/// and cannot tell it from `exit 128+N`; everything else is kExited.
void set_remote_status(Outcome& outcome, int wrapper_status);

/// Classifies ssh's stderr after ssh itself failed (exit 255), or a sudo refusal.
SshFailure classify_ssh_failure(std::string_view ssh_stderr);

/// The most telling line of ssh's stderr ("Permission denied (publickey)."), or its last line.
std::string ssh_failure_detail(std::string_view ssh_stderr);

/// The full message for `failure` on `options`'s node: what happened and what to do.
/// `doing` says when ("while connecting", "while running a command").
std::string ssh_failure_message(SshFailure failure, const SshOptions& options,
                                const std::string& detail, const std::string& doing);

}  // namespace cnfctl::process
