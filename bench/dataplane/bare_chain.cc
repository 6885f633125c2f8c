#include "bare_chain.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "bench_env.h"
#include "common/error.h"
#include "engine/registry.h"
#include "nf/testpmd/telemetry_batch.h"
#include "nf/testpmd/testpmd_driver.h"
#include "process/local_runner.h"
#include "traffic/traffic.h"

extern char** environ;

namespace cnfctl::bench {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kPollEvery{50};
constexpr milliseconds kTelemetryTimeout{1000};
constexpr milliseconds kStopGrace{5000};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// "--file-prefix=<p>" of a DPDK argv; empty when there is none.
std::string file_prefix(const std::vector<std::string>& argv) {
  const std::string key = "--file-prefix=";
  for (const auto& a : argv) {
    if (a.rfind(key, 0) == 0) return a.substr(key.size());
  }
  return {};
}

// The NF's readiness as testpmd's driver judges it, from its telemetry socket on this host;
// with `all_links`, every link (server side too) must also be up.
nf::Readiness readiness(const plan::PlannedContainer& c, bool all_links) {
  const auto socket = testpmd::telemetry_socket_of(c);
  try {
    const auto view = testpmd::read_telemetry_view([&](const std::vector<std::string>& commands) {
      return testpmd::telemetry_batch_direct(socket, commands, kTelemetryTimeout).values;
    });
    auto verdict = testpmd::assess_testpmd_readiness(c.links, view);
    if (verdict.ready && all_links &&
        std::count(view.link_up.begin(), view.link_up.end(), true) !=
            static_cast<long>(c.links.size())) {
      return nf::Readiness{false, "not every link up yet", false};
    }
    return verdict;
  } catch (const Error& e) {
    return nf::Readiness{false, e.describe(), false};
  }
}

}  // namespace

HostProcess::HostProcess(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env,
                         const std::vector<int>& cpus, const std::string& log,
                         nf::NfStdin stdin_kind) {
  // Everything the child needs is made before fork: the benchmark has other threads.
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    const auto name = entry.substr(0, entry.find('='));
    if (env.count(name) == 0) env_strings.push_back(entry);
  }
  for (const auto& [name, value] : env) env_strings.push_back(name + "=" + value);
  std::vector<char*> raw_env;
  for (auto& e : env_strings) raw_env.push_back(e.data());
  raw_env.push_back(nullptr);
  std::vector<std::string> args = argv;
  std::vector<char*> raw_argv;
  for (auto& a : args) raw_argv.push_back(a.data());
  raw_argv.push_back(nullptr);
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int cpu : cpus) CPU_SET(cpu, &set);
  sigset_t none;
  sigemptyset(&none);
  const pid_t parent = ::getpid();
  int pipe_ends[2] = {-1, -1};
  if (stdin_kind == nf::NfStdin::kHeldOpen && ::pipe2(pipe_ends, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe2 failed starting " + argv.at(0));
  }

  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed starting " + argv.at(0));
  if (pid_ == 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(126);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (!cpus.empty() && ::sched_setaffinity(0, sizeof(set), &set) != 0) ::_exit(125);
    const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    const int in = pipe_ends[0] >= 0 ? pipe_ends[0] : ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (out < 0 || in < 0) ::_exit(124);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(out, 2);
    ::close_range(3, ~0U, 0);
    ::execve(raw_argv[0], raw_argv.data(), raw_env.data());
    ::_exit(127);
  }
  ::setpgid(pid_, pid_);  // also here: no race with a kill of the group
  if (pipe_ends[0] >= 0) ::close(pipe_ends[0]);
  stdin_writer_ = pipe_ends[1];
}

HostProcess::~HostProcess() {
  stop(milliseconds(0));
  if (stdin_writer_ >= 0) ::close(stdin_writer_);
}

bool HostProcess::alive() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

void HostProcess::stop(milliseconds grace) {
  if (pid_ <= 0) return;
  ::kill(-pid_, SIGTERM);
  const auto deadline = Clock::now() + grace;
  int status = 0;
  while (Clock::now() < deadline) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) break;
    std::this_thread::sleep_for(milliseconds(20));
  }
  ::kill(-pid_, SIGKILL);  // the leader may be gone; the group may not
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::vector<std::string> translate_dir(std::vector<std::string> argv, const std::string& guest_dir,
                                       const std::string& host_dir) {
  const std::string from = guest_dir + "/";
  const std::string to = host_dir + "/";
  for (auto& a : argv) {
    if (a == guest_dir) {
      a = host_dir;
      continue;
    }
    for (auto at = a.find(from); at != std::string::npos; at = a.find(from, at + to.size())) {
      a.replace(at, from.size(), to);
    }
  }
  return argv;
}

BareChain::BareChain(const plan::Plan& plan, std::string scratch)
    : plan_(plan), scratch_(std::move(scratch)) {
  for (const auto& c : plan_.containers) {
    if (c.nf.kind != topology::NfKind::kTestpmd) {
      throw std::runtime_error("container " + c.name + " is no testpmd NF: only testpmd chains");
    }
    if (c.node != "local") throw std::runtime_error("container " + c.name + " is not local");
    nfs_.push_back(Nf{&c, nullptr});
  }
}

BareChain::~BareChain() {
  try {
    stop();
  } catch (...) {  // a destructor on an error path: the processes are killed in any case
  }
}

void BareChain::start(milliseconds ready_timeout) {
  fs::create_directories(socket_dir());
  std::size_t k = 0;
  while (k < nfs_.size()) {
    const int stage = nfs_[k].container->start_stage;
    std::vector<Nf*> started;
    for (; k < nfs_.size() && nfs_[k].container->start_stage == stage; ++k) {
      auto& nf = nfs_[k];
      const auto& c = *nf.container;
      const auto argv = translate_dir(c.nf.argv, plan_.guest_socket_dir, socket_dir());
      std::map<std::string, std::string> env(c.env.begin(), c.env.end());
      for (const auto& [name, value] : c.nf.env) env[name] = value;
      nf.process = std::make_unique<HostProcess>(argv, env, c.cpus,
                                                 scratch_ + "/" + c.name + ".log", c.nf.stdin_kind);
      started.push_back(&nf);
    }
    wait_ready(started, false, ready_timeout);
  }
  std::vector<Nf*> all;
  for (auto& nf : nfs_) all.push_back(&nf);
  wait_ready(all, true, ready_timeout);
}

void BareChain::wait_ready(const std::vector<Nf*>& stage, bool all_links, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::vector<Nf*> waiting = stage;
  while (!waiting.empty()) {
    SignalWatch::check();
    std::vector<Nf*> still;
    for (auto* nf : waiting) {
      const auto& c = *nf->container;
      if (!nf->process->alive()) {
        throw std::runtime_error(
            fmt::format("bare {} exited: {}", c.name,
                        testpmd::testpmd_exit_reason(read_file(scratch_ + "/" + c.name + ".log"))));
      }
      auto verdict = readiness(c, all_links);
      if (verdict.ready) continue;
      if (Clock::now() > deadline) {
        throw std::runtime_error(fmt::format("bare {}: not ready in {} ms: {}", c.name,
                                             timeout.count(), verdict.detail));
      }
      still.push_back(nf);
    }
    waiting = std::move(still);
    if (!waiting.empty()) std::this_thread::sleep_for(kPollEvery);
  }
}

double BareChain::measure(milliseconds duration) {
  process::LocalRunner runner;
  // The NF context needs an engine; counters() never calls it (telemetry is read on the node).
  engine::EngineOptions options;
  options.state_root = scratch_ + "/unused-engine";
  auto unused = engine::make_engine("oci", runner, options);
  auto report = traffic::measure_traffic(
      plan_,
      [&](const plan::PlannedContainer& c) {
        return nf::NfContext{c, *unused, runner};
      },
      duration);
  if (!report.end_to_end_mpps) throw std::runtime_error("bare chain: no sink to measure");
  for (const auto& note : report.notes) fmt::print(stderr, "note: bare: {}\n", note);
  return *report.end_to_end_mpps;
}

void BareChain::stop() {
  for (auto it = nfs_.rbegin(); it != nfs_.rend(); ++it) {
    if (it->process) it->process->stop(kStopGrace);
    it->process.reset();
  }
  remove_remains();
}

void BareChain::remove_remains() {
  // What the testpmd driver's cleanup() removes after a container's NF: its runtime dir and
  // the sockets it served.
  std::error_code ignored;
  for (const auto& nf : nfs_) {
    if (nf.container->dpdk_runtime_dir) fs::remove_all(*nf.container->dpdk_runtime_dir, ignored);
  }
  fs::remove_all(socket_dir(), ignored);
}

std::map<std::string, SeenNf> seen_nfs(const plan::Plan& plan, const std::string& host_dir,
                                       const std::string& guest_dir) {
  std::map<std::string, std::string> name_of;     // "--file-prefix=<p>" -> container
  std::map<std::string, std::string> program_of;  // container -> the NF's argv[0]
  for (const auto& c : plan.containers) {
    name_of["--file-prefix=" + file_prefix(c.nf.argv)] = c.name;
    program_of[c.name] = c.nf.argv.empty() ? "" : c.nf.argv.front();
  }
  std::map<std::string, SeenNf> seen;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const auto pid = entry.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::vector<std::string> argv;
    std::istringstream cmdline(read_file(entry.path().string() + "/cmdline"));
    for (std::string arg; std::getline(cmdline, arg, '\0');) argv.push_back(arg);
    const auto it = std::find_if(argv.begin(), argv.end(),
                                 [&](const std::string& a) { return name_of.count(a) != 0; });
    if (it == argv.end()) continue;
    const auto& name = name_of.at(*it);
    // Inside a container the NF's launcher (nf/launcher.h) carries the NF's argv as its own
    // arguments: the NF is the process whose argv[0] is the NF's program.
    if (argv.front() != program_of.at(name)) continue;
    if (seen.count(name) != 0) throw std::runtime_error("NF " + name + ": several processes");
    SeenNf nf{translate_dir(argv, host_dir, guest_dir), {}, entry.path().string()};
    for (const auto& task : fs::directory_iterator(entry.path() / "task", ec)) {
      std::istringstream status(read_file(task.path().string() + "/status"));
      std::string comm;
      std::string cpus;
      for (std::string line; std::getline(status, line);) {
        if (line.rfind("Name:", 0) == 0) comm = line.substr(line.find_first_not_of(" \t", 5));
        if (line.rfind("Cpus_allowed_list:", 0) == 0) {
          cpus = line.substr(line.find_first_not_of(" \t", 18));
        }
      }
      nf.threads.push_back(comm + ": " + cpus);
    }
    if (nf.threads.empty()) throw std::runtime_error("NF " + name + ": cannot read its threads");
    std::sort(nf.threads.begin(), nf.threads.end());
    seen[name] = std::move(nf);
  }
  for (const auto& c : plan.containers) {
    if (seen.count(c.name) == 0) throw std::runtime_error("NF " + c.name + ": no process found");
  }
  return seen;
}

double cpu_seconds(const std::map<std::string, SeenNf>& nfs) {
  double total = 0;
  for (const auto& [name, nf] : nfs) {
    const auto stat = read_file(nf.proc + "/stat");
    const auto end_of_comm = stat.rfind(')');
    if (end_of_comm == std::string::npos) throw std::runtime_error("NF " + name + ": gone");
    std::istringstream fields(stat.substr(end_of_comm + 1));
    std::vector<std::string> f(std::istream_iterator<std::string>(fields), {});
    if (f.size() < 13) throw std::runtime_error("NF " + name + ": bad " + nf.proc + "/stat");
    // Fields 14 and 15 of stat (utime, stime) are the 12th and 13th after the comm.
    total += static_cast<double>(std::stoull(f[11]) + std::stoull(f[12]));
  }
  return total / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

std::vector<std::string> leftovers(const plan::Plan& plan, const std::string& socket_dir) {
  std::vector<std::string> found;
  std::vector<std::string> prefixes;
  for (const auto& c : plan.containers) {
    const auto prefix = file_prefix(c.nf.argv);
    if (!prefix.empty()) prefixes.push_back(prefix);
    if (c.dpdk_runtime_dir && fs::exists(*c.dpdk_runtime_dir)) {
      found.push_back("DPDK runtime dir " + *c.dpdk_runtime_dir);
    }
  }
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::istringstream cmdline(read_file(entry.path().string() + "/cmdline"));
    for (std::string arg; std::getline(cmdline, arg, '\0');) {
      for (const auto& p : prefixes) {
        if (arg == "--file-prefix=" + p) found.push_back("process " + name + " (" + arg + ")");
      }
    }
  }
  for (const auto& entry : fs::directory_iterator("/dev/hugepages", ec)) {
    const auto name = entry.path().filename().string();
    for (const auto& p : prefixes) {
      if (name.rfind(p + "map_", 0) == 0) found.push_back("hugepage file " + entry.path().string());
    }
  }
  if (fs::exists(socket_dir)) {
    for (const auto& entry : fs::directory_iterator(socket_dir, ec)) {
      found.push_back("socket " + entry.path().string());
    }
  }
  return found;
}

}  // namespace cnfctl::bench
