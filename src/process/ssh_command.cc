#include "process/ssh_command.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <csignal>

namespace cnfctl::process {
namespace {

// ssh binds "<ControlPath>.<16 random characters>" and renames it; sun_path holds 107 bytes
// plus the terminating NUL.
constexpr std::size_t kMaxControlPath = 107 - 17;

// Options SshRunner sets itself; a node's ssh_options may not change them.
constexpr std::array<std::string_view, 10> kReservedOptions = {
    "ControlMaster", "ControlPath",   "BatchMode",   "Port",      "User",
    "RequestTTY",    "RemoteCommand", "SessionType", "StdinNull", "ForkAfterAuthentication"};

// The ssh options a topology file may set: each only tunes how ssh connects, authenticates or
// checks the host key. Everything else is refused, above all what runs a program, loads code or
// reads configuration (see kRefusedOptions). Compared without case, as ssh does.
constexpr std::array<std::string_view, 33> kAllowedOptions = {"AddressFamily",
                                                              "BindAddress",
                                                              "BindInterface",
                                                              "CASignatureAlgorithms",
                                                              "CheckHostIP",
                                                              "Ciphers",
                                                              "Compression",
                                                              "ConnectionAttempts",
                                                              "ConnectTimeout",
                                                              "FingerprintHash",
                                                              "GlobalKnownHostsFile",
                                                              "GSSAPIAuthentication",
                                                              "HashKnownHosts",
                                                              "HostbasedAuthentication",
                                                              "HostKeyAlgorithms",
                                                              "HostKeyAlias",
                                                              "IdentitiesOnly",
                                                              "IPQoS",
                                                              "KbdInteractiveAuthentication",
                                                              "KexAlgorithms",
                                                              "LogLevel",
                                                              "MACs",
                                                              "NumberOfPasswordPrompts",
                                                              "PasswordAuthentication",
                                                              "PreferredAuthentications",
                                                              "PubkeyAcceptedAlgorithms",
                                                              "PubkeyAcceptedKeyTypes",
                                                              "PubkeyAuthentication",
                                                              "RekeyLimit",
                                                              "ServerAliveCountMax",
                                                              "ServerAliveInterval",
                                                              "StrictHostKeyChecking",
                                                              "UserKnownHostsFile"};

// Options refused with a reason, because each runs or loads something on this machine, opens
// listeners or forwards credentials, or points ssh at another host or configuration. ProxyJump
// is among them: it makes ssh start another ssh with the jump host's own configuration; jump
// hosts belong in ~/.ssh/config, which applies to every node.
struct RefusedOption {
  std::string_view key;
  std::string_view why;
};
constexpr std::array<RefusedOption, 24> kRefusedOptions = {{
    {"ProxyCommand", "it runs a local command"},
    {"LocalCommand", "it runs a local command"},
    {"PermitLocalCommand", "it lets ssh run LocalCommand, a local command"},
    {"KnownHostsCommand", "it runs a local command"},
    {"ProxyJump",
     "it starts another ssh with the jump host's configuration (put jump hosts in "
     "~/.ssh/config)"},
    {"ProxyUseFdpass", "it belongs to ProxyCommand, which runs a local command"},
    {"Match", "it can run a local command (Match exec) and reads other configuration"},
    {"Include", "it reads other configuration files"},
    {"PKCS11Provider", "it loads a shared library into ssh"},
    {"SecurityKeyProvider", "it loads a shared library into ssh"},
    {"XAuthLocation", "it names a program that ssh runs"},
    {"IdentityAgent", "it connects ssh to another agent socket"},
    {"IdentityFile", "use the node's `key:` field"},
    {"CertificateFile", "use the node's `key:` field"},
    {"ForwardAgent", "it forwards this machine's credentials to the node"},
    {"ForwardX11", "it forwards this machine's display to the node"},
    {"LocalForward", "it opens a listener on this machine"},
    {"RemoteForward", "it opens a listener on the node"},
    {"DynamicForward", "it opens a listener on this machine"},
    {"Tunnel", "it creates network devices"},
    {"HostName", "use the node's `host:` field"},
    {"ControlPersist", "cnfctl controls its own master connection"},
    {"SetEnv", "it sends environment variables to the node"},
    {"SendEnv", "it sends environment variables to the node"},
}};

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

bool contains(std::string_view text, std::string_view needle) {
  return text.find(needle) != std::string_view::npos;
}

// FNV-1a: a stable, dependency-free hash for naming the control socket.
std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

// ssh expands %-tokens in ControlPath; a literal '%' is written "%%".
std::string escape_percent(const std::string& path) {
  std::string result;
  for (char c : path) {
    result += c;
    if (c == '%') result += '%';
  }
  return result;
}

// The options every ssh invocation shares, after the mode-specific ones. Order matters: ssh
// keeps the first value it sees, so the node's options come before cnfctl's defaults.
void append_common(std::vector<std::string>& argv, const SshOptions& options,
                   const std::string& path) {
  argv.insert(argv.end(), {"-S", escape_percent(path), "-o", "BatchMode=yes"});
  for (const auto& option : options.ssh_options) argv.insert(argv.end(), {"-o", option});
  argv.insert(argv.end(),
              {"-o", fmt::format("ConnectTimeout={}", options.connect_timeout.count()), "-o",
               fmt::format("ServerAliveInterval={}", options.server_alive_interval.count()), "-o",
               fmt::format("ServerAliveCountMax={}", options.server_alive_count_max), "-o",
               "ClearAllForwardings=yes"});
  if (options.identity_file) argv.insert(argv.end(), {"-i", *options.identity_file});
  argv.insert(argv.end(), {"-p", std::to_string(options.port), "-l", options.user});
}

std::optional<long> parse_number(std::string_view text) {
  long value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return {};
  return value;
}

}  // namespace

const char* const kOuterScript =
    "unset CDPATH\n"
    "n=$1 d=$2\n"
    "shift 2\n"
    "if [ -n \"$d\" ] && ! cd -- \"$d\" 2>/dev/null; then\n"
    "  if [ ! -e \"$d\" ]; then e=2; elif [ ! -d \"$d\" ]; then e=20; else e=13; fi\n"
    "  printf '%s nostart chdir %s\\n' \"$n\" \"$e\" >&2\n"
    "  exit 127\n"
    "fi\n"
    "setsid -w \"$@\"\n"
    "s=$?\n"
    "printf '\\n%s exit %s\\n' \"$n\" \"$s\" >&2\n"
    "exit \"$s\"\n";

const char* const kInnerScript =
    "n=$1\n"
    "shift\n"
    "case $1 in\n"
    "*/*) if [ ! -e \"$1\" ]; then e=2; elif [ -d \"$1\" ] || [ ! -x \"$1\" ]; then e=13;"
    " else e=0; fi ;;\n"
    "*) if command -v \"$1\" >/dev/null 2>&1; then e=0; else e=2; fi ;;\n"
    "esac\n"
    "if [ \"$e\" != 0 ]; then printf '%s nostart exec %s\\n' \"$n\" \"$e\" >&2; exit 127; fi\n"
    "printf '%s pgid %s\\n' \"$n\" \"$$\" >&2\n"
    "exec \"$@\"\n";

void validate_ssh_options(const SshOptions& options) {
  const std::string where = ssh_node_location(options);
  require_input(!options.host.empty(), where, "the ssh host is empty");
  require_input(options.host.front() != '-', where,
                fmt::format("the ssh host '{}' starts with '-'", options.host));
  require_input(!options.user.empty(), where, "the ssh user is empty");
  require_input(options.user.front() != '-', where,
                fmt::format("the ssh user '{}' starts with '-'", options.user));
  require_input(options.max_sessions > 0, where, "max_sessions must be at least 1");
  for (const auto& option : options.ssh_options) {
    auto equals = option.find('=');
    std::string_view key = std::string_view(option).substr(0, equals);
    bool well_formed = equals != std::string::npos && !key.empty() &&
                       std::all_of(key.begin(), key.end(), [](char c) {
                         return std::isalnum(static_cast<unsigned char>(c)) != 0;
                       });
    require_input(well_formed, where,
                  fmt::format("ssh option '{}' is not of the form Key=Value", option));
    if (auto problem = ssh_option_problem(option)) require_input(false, where, *problem);
  }
}

std::optional<std::string> ssh_option_problem(std::string_view option) {
  const auto key = option.substr(0, option.find('='));
  for (auto reserved : kReservedOptions) {
    if (iequals(key, reserved)) {
      return fmt::format(
          "ssh option '{}' is set by cnfctl itself; remove it "
          "(use the node's user/port fields for User and Port)",
          key);
    }
  }
  for (auto allowed : kAllowedOptions) {
    if (iequals(key, allowed)) return std::nullopt;
  }
  std::string why = "it is not one of the options that only tune the connection";
  for (const auto& refused : kRefusedOptions) {
    if (iequals(key, refused.key)) why = std::string(refused.why);
  }
  std::string allowed;
  for (auto name : kAllowedOptions) allowed += (allowed.empty() ? "" : ", ") + std::string(name);
  return fmt::format("ssh option '{}' is refused: {}; allowed ssh options: {}", key, why, allowed);
}

std::string ssh_display_name(const SshOptions& options) {
  return fmt::format("ssh {}@{}:{}", options.user, options.host, options.port);
}

std::string ssh_node_location(const SshOptions& options) {
  return "node " + (options.node.empty() ? options.host : options.node);
}

std::string ssh_control_path(const SshOptions& options, const std::string& dir,
                             const std::string& short_dir, long pid, unsigned serial) {
  std::string identity = fmt::format("{}@{}:{}\n{}", options.user, options.host, options.port,
                                     options.identity_file.value_or(""));
  for (const auto& option : options.ssh_options) identity += "\n" + option;
  std::string name = fmt::format("{:016x}-{}-{}", fnv1a(identity), pid, serial);
  std::string path = dir + "/" + name;
  return path.size() <= kMaxControlPath ? path : short_dir + "/" + name;
}

std::vector<std::string> ssh_master_argv(const SshOptions& options, const std::string& path) {
  std::vector<std::string> argv = {options.ssh_program, "-M", "-N", "-f"};
  append_common(argv, options, path);
  argv.insert(argv.end(), {"-o", fmt::format("ControlPersist={}s", options.control_persist.count()),
                           "--", options.host});
  return argv;
}

std::vector<std::string> ssh_session_argv(const SshOptions& options, const std::string& path,
                                          const std::string& remote_command) {
  std::vector<std::string> argv = {
      options.ssh_program, "-o", "ControlMaster=no", "-T", "-e", "none"};
  append_common(argv, options, path);
  argv.insert(argv.end(), {"--", options.host, remote_command});
  return argv;
}

std::vector<std::string> ssh_control_argv(const SshOptions& options, const std::string& path,
                                          const std::string& request) {
  std::vector<std::string> argv = {options.ssh_program, "-O", request};
  append_common(argv, options, path);
  argv.insert(argv.end(), {"--", options.host});
  return argv;
}

std::vector<std::string> wrapped_remote_argv(const Command& command, bool sudo,
                                             const std::string& nonce) {
  std::vector<std::string> argv;
  if (sudo) argv = {"sudo", "-n", "--"};
  argv.insert(argv.end(), {"/bin/sh", "-c", kOuterScript, "cnfctl-ssh", nonce, command.cwd, "env"});
  for (const auto& name : command.unset_env) argv.insert(argv.end(), {"-u", name});
  argv.emplace_back("--");
  for (const auto& [name, value] : command.env) argv.push_back(name + "=" + value);
  argv.insert(argv.end(), {"/bin/sh", "-c", kInnerScript, "cnfctl-ssh", nonce});
  if (!command.output_file.empty()) {
    // Constant text; the file is $0, the program "$@". Only the program's output goes there:
    // the scripts above report on their own stderr.
    argv.insert(argv.end(),
                {"/bin/sh", "-c", "umask 027; exec \"$@\" >>\"$0\" 2>&1", command.output_file});
  }
  argv.insert(argv.end(), command.argv.begin(), command.argv.end());
  return argv;
}

std::vector<std::string> kill_group_argv(long pgid, bool sudo) {
  std::vector<std::string> argv;
  if (sudo) argv = {"sudo", "-n", "--"};
  argv.insert(argv.end(), {"kill", "-s", "KILL", "--", fmt::format("-{}", pgid)});
  return argv;
}

WrapperReport take_wrapper_report(std::string& err, std::string_view nonce) {
  WrapperReport report;
  const std::string prefix = std::string(nonce) + " ";
  std::size_t search = 0;
  while (true) {
    std::size_t start = err.find(prefix, search);
    if (start == std::string::npos) break;
    std::size_t end = err.find('\n', start);
    if (end == std::string::npos) break;  // incomplete: more may arrive
    std::string_view line =
        std::string_view(err).substr(start + prefix.size(), end - start - prefix.size());
    std::size_t erase_from = start;
    bool known = true;
    if (line.starts_with("pgid ")) {
      report.pgid = parse_number(line.substr(5));
    } else if (line.starts_with("exit ")) {
      if (auto status = parse_number(line.substr(5)))
        report.exit_status = static_cast<int>(*status);
      if (erase_from > 0 && err[erase_from - 1] == '\n') --erase_from;
    } else if (line.starts_with("nostart ")) {
      std::string_view rest = line.substr(8);
      auto space = rest.find(' ');
      report.no_start = std::string(rest.substr(0, space));
      if (space != std::string_view::npos) {
        report.no_start_errno = static_cast<int>(parse_number(rest.substr(space + 1)).value_or(0));
      }
    } else {
      known = false;
    }
    if (!known) {
      search = end;
      continue;
    }
    err.erase(erase_from, end + 1 - erase_from);
    search = erase_from;
  }
  return report;
}

void set_remote_status(Outcome& outcome, int wrapper_status) {
  if (wrapper_status > 128 && wrapper_status <= 128 + SIGRTMAX) {
    outcome.status = Outcome::Status::kKilled;
    outcome.signal = wrapper_status - 128;
    return;
  }
  outcome.status = Outcome::Status::kExited;
  outcome.exit_code = wrapper_status;
}

SshFailure classify_ssh_failure(std::string_view text) {
  if (contains(text, "sudo: a password is required") ||
      contains(text, "sudo: a terminal is required"))
    return SshFailure::kSudoPassword;
  if (contains(text, "is not in the sudoers file") || contains(text, "is not allowed to execute") ||
      contains(text, "may not run sudo"))
    return SshFailure::kSudoRefused;
  if (contains(text, "REMOTE HOST IDENTIFICATION HAS CHANGED")) return SshFailure::kHostKeyChanged;
  if (contains(text, "Host key verification failed") || contains(text, "host key is known for"))
    return SshFailure::kHostKeyUnknown;
  if (contains(text, "Permission denied (") || contains(text, "Too many authentication failures"))
    return SshFailure::kAuthRefused;
  for (std::string_view unreachable :
       {"Connection refused", "No route to host", "Network is unreachable", "Connection timed out",
        "Could not resolve hostname", "Name or service not known",
        "Temporary failure in name resolution", "Operation timed out"}) {
    if (contains(text, unreachable)) return SshFailure::kUnreachable;
  }
  for (std::string_view lost :
       {"closed by remote host", "Connection reset", "Broken pipe", "Timeout, server", "mux_client",
        "Connection closed", "not responding", "Control socket connect"}) {
    if (contains(text, lost)) return SshFailure::kConnectionLost;
  }
  return SshFailure::kOther;
}

std::string ssh_failure_detail(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (!line.empty()) lines.push_back(line);
    start = end + 1;
  }
  if (lines.empty()) return "ssh gave no message";
  for (auto line : lines) {
    if (classify_ssh_failure(line) != SshFailure::kOther && !line.starts_with("@@@")) {
      return std::string(line);
    }
  }
  return std::string(lines.back());
}

std::string ssh_failure_message(SshFailure failure, const SshOptions& options,
                                const std::string& detail, const std::string& doing) {
  const std::string who = ssh_display_name(options);
  const std::string key = options.identity_file ? "the identity file " + *options.identity_file
                                                : "ssh's default keys and agent";
  switch (failure) {
    case SshFailure::kAuthRefused:
      return fmt::format(
          "{}: authentication refused {} ({}). Check that {} is the right key and that its "
          "public key is in ~{}/.ssh/authorized_keys on {}; BatchMode is on, so password and "
          "passphrase prompts are never used (load a passphrase-protected key into ssh-agent)",
          who, doing, detail, key, options.user, options.host);
    case SshFailure::kHostKeyUnknown:
      return fmt::format(
          "{}: the host key of {} is not known {} ({}). Verify the node's fingerprint and add it "
          "with `ssh-keyscan -p {} {} >> ~/.ssh/known_hosts`, or put "
          "StrictHostKeyChecking=accept-new in the node's ssh_options",
          who, options.host, doing, detail, options.port, options.host);
    case SshFailure::kHostKeyChanged:
      return fmt::format(
          "{}: the host key of {} has changed {} ({}). If the node was reinstalled, remove the "
          "old key with `ssh-keygen -R '[{}]:{}'` and add the new one; otherwise do not connect",
          who, options.host, doing, detail, options.host, options.port);
    case SshFailure::kUnreachable:
      return fmt::format(
          "{}: cannot reach {} port {} {} ({}). Check that the node is up, that sshd listens "
          "on port {}, and the address, routing and firewalls between here and there",
          who, options.host, options.port, doing, detail, options.port);
    case SshFailure::kConnectionLost:
      return fmt::format(
          "{}: the SSH connection was lost {} ({}). Check that the node and its sshd are up; "
          "what the command did on the node is unknown, so run `down` once it is reachable",
          who, doing, detail);
    case SshFailure::kSudoPassword:
      return fmt::format(
          "{}: sudo asks {} for a password {} ({}). Allow passwordless sudo for {} on the node "
          "(e.g. `{} ALL=(ALL) NOPASSWD: ALL` in /etc/sudoers.d/cnfctl), or log in as root",
          who, options.user, doing, detail, options.user, options.user);
    case SshFailure::kSudoRefused:
      return fmt::format(
          "{}: {} may not use sudo on the node {} ({}). Grant {} passwordless sudo, or log in "
          "as root",
          who, options.user, doing, detail, options.user);
    case SshFailure::kOther:
      break;
  }
  return fmt::format("{}: ssh failed {} ({})", who, doing, detail);
}

}  // namespace cnfctl::process
