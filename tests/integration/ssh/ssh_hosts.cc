#include "ssh_hosts.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

#include "common/error.h"

namespace cnfctl::process::testing {
namespace {

using namespace std::chrono_literals;

constexpr int kDuts = 2;
constexpr auto kSshdStartTimeout = 5s;
constexpr auto kStopTimeout = 5s;

// Run in the DUT's namespace by `unshare -m`: the test's account files over the real ones (in
// this private mount namespace only), root's ~/.bashrc emptied, then sshd (it daemonizes).
constexpr const char* kSshdScript =
    "d=$1 c=$2\n"
    "for f in passwd shadow group sudoers; do\n"
    "  [ -e \"/etc/$f\" ] || continue\n"
    "  mount --bind \"$d/$f\" \"/etc/$f\" || exit 1\n"
    "done\n"
    "if [ -e /root/.bashrc ]; then mount --bind \"$d/empty\" /root/.bashrc || exit 1; fi\n"
    "exec /usr/sbin/sshd -f \"$c\" -E \"$c.log\"\n";

std::string read_file(const std::string& path) {
  std::ifstream file(path);
  return std::string((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
}

void write_file(const std::string& path, const std::string& text, mode_t mode) {
  {
    std::ofstream file(path, std::ios::trunc);
    file << text;
    if (!file) throw Error("cannot write " + path);
  }
  ::chmod(path.c_str(), mode);
}

std::vector<std::string> arguments_of(pid_t pid) {
  std::string cmdline = read_file(fmt::format("/proc/{}/cmdline", pid));
  std::vector<std::string> args;
  std::size_t start = 0;
  while (start < cmdline.size()) {
    std::size_t end = cmdline.find('\0', start);
    if (end == std::string::npos) end = cmdline.size();
    args.push_back(cmdline.substr(start, end - start));
    start = end + 1;
  }
  return args;
}

}  // namespace

SshTestHosts::SshTestHosts() {
  if (::geteuid() != 0) throw Error("the SSH test hosts need root (network namespaces, sshd)");
  lock_.reset(::open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
  if (!lock_ || ::flock(lock_.get(), LOCK_EX) != 0) throw Error("cannot lock the test binary");
  for (int i = 1; i <= kDuts; ++i) {
    TestDut dut;
    dut.name = fmt::format("dut{}", i);
    dut.netns = fmt::format("cnfctl-ssh-dut{}", i);
    dut.host_veth = fmt::format("cnfssh{}h", i);
    dut.host_address = fmt::format("10.99.{}.1", i);
    dut.address = fmt::format("10.99.{}.2", i);
    duts_.push_back(dut);
  }
  try {
    set_up();
  } catch (...) {
    tear_down();
    throw;
  }
}

SshTestHosts::~SshTestHosts() {
  tear_down();
}

void SshTestHosts::set_up() {
  // Leftovers of a test process that was killed (we hold the lock: nobody else uses them).
  for (int i = 1; i <= kDuts; ++i) {
    if (local_.run(Command{.argv = {"ip", "netns", "pids", dut(i).netns}}).ok()) stop_sshd(i);
    local_.run(Command{.argv = {"ip", "netns", "del", dut(i).netns}});
    local_.run(Command{.argv = {"ip", "link", "del", dut(i).host_veth}});
  }
  char pattern[] = "/tmp/cnfctl-ssh-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) throw Error("mkdtemp failed");
  dir_ = pattern;
  ::chmod(dir_.c_str(), 0755);  // the test users read their authorized keys as themselves
  if (!std::filesystem::exists("/run/sshd")) {
    std::filesystem::create_directories("/run/sshd");
    made_run_sshd_ = true;
  }
  write_files();
  for (auto& d : duts_) add_dut(d);
  std::string known_hosts;
  for (const auto& d : duts_) {
    std::string key = read_file(dir_ + "/" + d.name + ".hostkey.pub");
    known_hosts += d.address + " " + key.substr(0, key.rfind(' ')) + "\n";
  }
  write_file(dir_ + "/known_hosts", known_hosts, 0644);
  write_file(empty_known_hosts(), "", 0644);
  for (int i = 1; i <= kDuts; ++i) start_sshd(i);
}

void SshTestHosts::write_files() {
  auto keygen = [this](const std::string& name) {
    run_checked(local_,
                Command{.argv = {"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "cnfctl-test",
                                 "-f", dir_ + "/" + name}},
                "ssh-keygen " + name);
  };
  keygen("client");
  keygen("other");
  for (const auto& d : duts_) keygen(d.name + ".hostkey");

  std::string home = dir_ + "/home";
  std::filesystem::create_directories(home);
  std::filesystem::create_directories(dir_ + "/keys");
  std::string authorized = read_file(dir_ + "/client.pub");
  std::string passwd = read_file("/etc/passwd");
  std::string shadow = read_file("/etc/shadow");
  std::string group = read_file("/etc/group");
  int uid = 64501;
  for (const char* user : {kSudoUser, kPasswordUser}) {
    passwd += fmt::format("{0}:x:{1}:{1}::{2}:/bin/sh\n", user, uid, home);
    shadow += fmt::format("{}:*:19000:0:99999:7:::\n", user);
    group += fmt::format("{}:x:{}:\n", user, uid);
    write_file(dir_ + "/keys/" + user, authorized, 0644);
    ++uid;
  }
  write_file(dir_ + "/keys/root", authorized, 0644);
  write_file(dir_ + "/passwd", passwd, 0644);
  write_file(dir_ + "/shadow", shadow, 0640);
  write_file(dir_ + "/group", group, 0644);
  write_file(dir_ + "/sudoers",
             fmt::format("Defaults env_reset\n"
                         "Defaults secure_path=\"/usr/local/sbin:/usr/local/bin:/usr/sbin:"
                         "/usr/bin:/sbin:/bin\"\n"
                         "root ALL=(ALL:ALL) ALL\n"
                         "{} ALL=(ALL:ALL) NOPASSWD: ALL\n"
                         "{} ALL=(ALL:ALL) ALL\n",
                         kSudoUser, kPasswordUser),
             0440);
  write_file(dir_ + "/empty", "", 0644);

  for (auto& d : duts_) {
    d.config = dir_ + "/" + d.name + ".sshd_config";
    d.pid_file = dir_ + "/" + d.name + ".pid";
    write_file(d.config,
               fmt::format("ListenAddress {}\n"
                           "Port 22\n"
                           "HostKey {}/{}.hostkey\n"
                           "AuthorizedKeysFile {}/keys/%u\n"
                           "PermitRootLogin prohibit-password\n"
                           "PubkeyAuthentication yes\n"
                           "PasswordAuthentication no\n"
                           "KbdInteractiveAuthentication no\n"
                           "UsePAM no\n"
                           "StrictModes no\n"
                           "UseDNS no\n"
                           "PrintMotd no\n"
                           "PrintLastLog no\n"
                           "MaxSessions 64\n"
                           "MaxStartups 100\n"
                           "PidFile {}\n",
                           d.address, dir_, d.name, dir_, d.pid_file),
               0644);
  }
}

void SshTestHosts::add_dut(TestDut& d) {
  std::string peer = d.host_veth.substr(0, d.host_veth.size() - 1) + "d";
  auto ip = [this](std::vector<std::string> args) {
    args.insert(args.begin(), "ip");
    run_checked(local_, Command{.argv = args}, Command{.argv = args}.display());
  };
  ip({"netns", "add", d.netns});
  ip({"link", "add", d.host_veth, "type", "veth", "peer", "name", peer});
  ip({"link", "set", peer, "netns", d.netns});
  ip({"addr", "add", d.host_address + "/24", "dev", d.host_veth});
  ip({"link", "set", d.host_veth, "up"});
  ip({"-n", d.netns, "addr", "add", d.address + "/24", "dev", peer});
  ip({"-n", d.netns, "link", "set", peer, "up"});
  ip({"-n", d.netns, "link", "set", "lo", "up"});
}

void SshTestHosts::start_sshd(int index) {
  const TestDut& d = dut(index);
  ::unlink(d.pid_file.c_str());
  run_checked(
      local_,
      // nsenter, not `ip netns exec`: that remounts /sys for the namespace, which hides the
      // cgroup mounts container engines on the DUT need.
      Command{.argv = {"nsenter", "--net=/run/netns/" + d.netns, "unshare", "-m", "--propagation",
                       "private", "/bin/sh", "-c", kSshdScript, "sshd-" + d.name, dir_, d.config}},
      "start sshd on " + d.name);
  auto deadline = std::chrono::steady_clock::now() + kSshdStartTimeout;
  while (!std::filesystem::exists(d.pid_file)) {
    if (std::chrono::steady_clock::now() > deadline) {
      throw Error(
          fmt::format("sshd on {} did not start: {}", d.name, read_file(d.config + ".log")));
    }
    std::this_thread::sleep_for(5ms);
  }
}

void SshTestHosts::stop_sshd(int index) {
  auto deadline = std::chrono::steady_clock::now() + kStopTimeout;
  while (true) {
    auto pids = namespace_pids(index);
    if (pids.empty()) break;
    for (pid_t pid : pids) ::kill(pid, SIGKILL);
    if (std::chrono::steady_clock::now() > deadline) {
      throw Error(fmt::format("processes in {} survive SIGKILL", dut(index).netns));
    }
    std::this_thread::sleep_for(5ms);
  }
  ::unlink(dut(index).pid_file.c_str());
}

std::vector<pid_t> SshTestHosts::namespace_pids(int index) const {
  Outcome outcome = local_.run(Command{.argv = {"ip", "netns", "pids", dut(index).netns}});
  std::vector<pid_t> pids;
  std::istringstream text(outcome.out);
  pid_t pid = 0;
  while (text >> pid) pids.push_back(pid);
  return pids;
}

int SshTestHosts::ssh_connections(int index) const {
  Outcome outcome =
      local_.run(Command{.argv = {"ip", "netns", "exec", dut(index).netns, "ss", "-Htn", "state",
                                  "established", "(", "sport", "=", ":22", ")"}});
  int lines = 0;
  std::istringstream text(outcome.out);
  for (std::string line; std::getline(text, line);) lines += line.empty() ? 0 : 1;
  return lines;
}

bool SshTestHosts::runs(int index, const std::string& word) const {
  for (pid_t pid : namespace_pids(index)) {
    for (const auto& arg : arguments_of(pid)) {
      if (arg == word) return true;
    }
  }
  return false;
}

SshOptions SshTestHosts::options(int index, const std::string& user) const {
  SshOptions options;
  options.node = dut(index).name;
  options.host = dut(index).address;
  options.user = user;
  options.identity_file = dir_ + "/client";
  options.ssh_options = {"UserKnownHostsFile=" + dir_ + "/known_hosts",
                         "GlobalKnownHostsFile=/dev/null", "IdentitiesOnly=yes",
                         "StrictHostKeyChecking=yes", "GSSAPIAuthentication=no"};
  options.connect_timeout = std::chrono::seconds(5);
  options.control_dir = dir_ + "/ctl";
  options.sudo = user != "root";
  return options;
}

void SshTestHosts::tear_down() noexcept {
  try {
    for (int i = 1; i <= kDuts; ++i) {
      try {
        stop_sshd(i);
      } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): best effort
      }
      local_.run(Command{.argv = {"ip", "netns", "del", dut(i).netns}});
      local_.run(Command{.argv = {"ip", "link", "del", dut(i).host_veth}});
    }
    if (!dir_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
    }
    if (made_run_sshd_) ::rmdir("/run/sshd");
  } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): destructor path
  }
}

}  // namespace cnfctl::process::testing
