// SshRunner: runs argv commands on a remote node with the OpenSSH client, all of them over one
// master connection.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <semaphore>
#include <string>
#include <vector>

#include "process/local_runner.h"
#include "process/runner.h"
#include "process/ssh_command.h"

namespace cnfctl::process {

/// Runs commands on one SSH node, exactly as LocalRunner runs them here.
///
/// Connection: one ControlMaster per SshRunner (`ssh -M -N -f`, ControlPersist, BatchMode,
/// ConnectTimeout, ServerAlive*), started on first use, with its socket under
/// `<control_dir>/<hash>-<pid>-<n>` (state_dir()/ssh by default; /tmp/cnfctl-ssh-<uid> when that
/// path is too long for a unix socket). Every command is a session multiplexed over it; the
/// user's ~/.ssh/config (jump hosts, agents, known_hosts) applies. close() or the destructor
/// stops the master; should cnfctl die, it exits after control_persist idle seconds.
///
/// Commands: the remote command is posix_quote_argv() of wrapped_remote_argv() — fixed wrapper
/// scripts plus the argv, env and cwd as separate words (with `sudo -n --` in front when
/// options.sudo). The node's login shell must be a POSIX shell; the node needs util-linux
/// `setsid` and `kill`. stdin bytes go through ssh's stdin (no tty: binary-safe), stdout and
/// stderr come back exactly (the wrapper's own marker lines are removed), exit codes are the
/// remote program's. A remote exit status 128+N (N a signal) is reported as "killed by signal
/// N": POSIX sh cannot tell the two apart. The remote environment is the login session's one
/// plus Command::env, not cnfctl's.
///
/// Deadlines: each command runs in its own session on the node; the wrapper reports that
/// session's id before exec. When the deadline passes, `kill -s KILL -- -<pgid>` runs over the
/// master, so the remote process and everything it started in its session die (Status
/// kTimedOut); the local ssh is killed kKillGrace later if it is still there. A deadline that
/// passes before the node reported the id (the command never started there) only ends the
/// local ssh. The same group kill ends remote processes that keep the output open after the
/// command exited (LocalRunner::kLeftoverGrace), as LocalRunner does locally.
///
/// Parallelism: at most options.max_sessions commands run at once over the master, across all
/// calls on this runner (default 8: sshd's MaxSessions defaults to 10, and a deadline's kill
/// needs a session too). Raise sshd's MaxSessions on the nodes before raising this.
///
/// Errors: a failing command is an Outcome, as with LocalRunner. A failing NODE throws
/// SshError (naming the node and what to do): authentication refused, unknown or changed host
/// key, host unreachable (when the master starts), connection lost (ssh exits 255 with no
/// report from the wrapper), `sudo` needing a password or refusing the user. run_all() then
/// starts no further command, lets the running ones end, and throws the first such error.
///
/// Forwards: forward_unix_socket() and forward_tcp() make sockets on (or reachable from) the
/// node usable here, over the same master (`ssh -O forward -L <local>:<target>`): a local unix
/// socket per target, in a private (0700) directory next to the control socket. Connections to
/// it are opened on the node by sshd as the SSH user (also with options.sudo), so that user
/// needs access to the target. The node's sshd must allow forwarding (AllowStreamLocalForwarding
/// for unix targets, AllowTcpForwarding for TCP ones; both default to yes).
class SshRunner : public Runner {
 public:
  /// How long the local ssh may outlive a remote kill before it is killed too.
  static constexpr std::chrono::milliseconds kKillGrace{3000};
  /// The deadline of control requests (-O check / exit) and of the remote kill.
  static constexpr std::chrono::milliseconds kControlTimeout{10000};

  /// Validates `options` (throws Error::bad_input, see validate_ssh_options); connects lazily.
  explicit SshRunner(SshOptions options);
  /// close().
  ~SshRunner() override;
  SshRunner(const SshRunner&) = delete;
  SshRunner& operator=(const SshRunner&) = delete;

  /// Starts the master connection unless it runs already. Throws SshError when the node cannot
  /// be reached or refuses us, Error when the control directory cannot be created.
  void connect();

  /// Cancels every forward (`ssh -O cancel`), stops the master (`ssh -O exit`, SIGTERM if that
  /// fails) and removes its socket and the forwards' local sockets and directory. Commands
  /// still running over it fail, connections through forwards end. Never throws; the next
  /// command reconnects (forwards are made again when asked for again).
  void close() noexcept;

  /// Makes the unix stream socket `remote_path` on the node reachable here: returns the path of
  /// a local unix socket whose every connection is forwarded to `remote_path` on the node.
  /// Asking again for the same path returns the same local socket (re-requested when the master
  /// was restarted meanwhile). Connecting to the local socket succeeds even when `remote_path`
  /// does not exist or refuses: the forwarded connection is then closed at once (the client
  /// reads end-of-file), so clients see "closed" rather than ENOENT / ECONNREFUSED.
  /// Throws Error::bad_input when `remote_path` is not an absolute path, or holds ':' (ssh's
  /// forward syntax has no escape for it), a control character or more than 4096 bytes;
  /// SshError when the node cannot be reached (see connect()); Error when ssh refuses the
  /// forward (with its stderr) or the forward directory cannot be made.
  std::string forward_unix_socket(const std::string& remote_path);

  /// Like forward_unix_socket() for the TCP endpoint `host`:`port` as the node sees it
  /// (`-L <local>:<host>:<port>`; "127.0.0.1" is the node's own loopback). IPv6 addresses are
  /// given without brackets. Connections to a closed port are closed at once, as above.
  /// Throws Error::bad_input for an empty host, one holding '/', whitespace, control
  /// characters or (unless an IPv6 address) ':', or port 0; otherwise like
  /// forward_unix_socket().
  std::string forward_tcp(const std::string& host, std::uint16_t port);

  /// The forwards in place: local socket path -> target ("/run/vpp/cli.sock", "127.0.0.1:80").
  /// Never fails.
  std::map<std::string, std::string> forwards() const;

  /// The directory holding the forwards' local sockets (exists only while there are some).
  const std::string& forward_dir() const { return forward_dir_; }

  /// Runs one command on the node. Throws SshError for node-level failures (see above).
  Outcome run(const Command& command) override;

  /// Runs `commands` with at most min(parallel or all, options.max_sessions) at once.
  std::vector<Outcome> run_all(const std::vector<Command>& commands,
                               std::size_t parallel = 0) override;

  /// "ssh user@host:port".
  std::string name() const override { return ssh_display_name(options_); }

  const SshOptions& options() const { return options_; }
  const std::string& control_path() const { return control_path_; }
  /// How many master connections this runner has started (1 unless the master was lost).
  std::size_t connections_opened() const;

 private:
  friend class SshSessionLoop;

  void ensure_master();  // with master_mutex_ held
  bool master_alive() const;
  // Kills the session `pgid` on the node over the master; false when that failed.
  bool kill_remote_group(long pgid);
  // Returns the local socket forwarded to `target` (an -L target spec), making it if needed.
  std::string forward(const std::string& target, const std::string& display);
  // `ssh -O <request> -L <local>:<target>` over the master (with master_mutex_ held).
  Outcome forward_request(const std::string& request, const std::string& local,
                          const std::string& target);

  struct Forward {
    std::string local;       // the local socket
    std::string display;     // the target for messages and forwards()
    std::size_t master = 0;  // the master that holds it (its connections_opened_ number)
  };

  SshOptions options_;
  std::string control_path_;
  std::string forward_dir_;
  LocalRunner local_;
  mutable std::mutex master_mutex_;
  pid_t master_pid_ = -1;
  std::size_t connections_opened_ = 0;
  std::map<std::string, Forward> forwards_;  // by target spec
  unsigned next_forward_ = 0;
  std::counting_semaphore<> session_slots_;
};

}  // namespace cnfctl::process
