#include "run/journal.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/error.h"
#include "common/names.h"
#include "common/paths.h"
#include "common/poll.h"
#include "plan/plan_json.h"
#include "plan/plan_output.h"

namespace cnfctl::run {
namespace {

using nlohmann::json;

constexpr const char* kJournalFile = "journal.json";
constexpr const char* kLockFile = "lock";
constexpr std::array<Step, 6> kSteps{Step::kAcquire, Step::kPrepare, Step::kCreate,
                                     Step::kFiles,   Step::kStart,   Step::kReady};

Error errno_error(const std::string& what, const std::string& path, int error) {
  return Error(fmt::format("{} {}: {}", what, path, std::strerror(error)));
}

void fsync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

const char* to_string(Step step) {
  switch (step) {
    case Step::kAcquire:
      return "acquire";
    case Step::kCreate:
      return "create";
    case Step::kPrepare:
      return "prepare";
    case Step::kFiles:
      return "files";
    case Step::kStart:
      return "start";
    case Step::kReady:
      return "ready";
  }
  return "?";
}

bool intent_guards_teardown(Step step) {
  return step == Step::kAcquire || step == Step::kCreate || step == Step::kStart;
}

std::optional<Step> step_from(const std::string& name) {
  for (auto step : kSteps) {
    if (name == to_string(step)) return step;
  }
  return std::nullopt;
}

json ContainerRecord::to_json() const {
  json c;
  c["steps"] = json::object();
  for (const auto& [step, step_state] : steps) {
    c["steps"][to_string(step)] = step_state == StepState::kDone ? "done" : "intended";
  }
  if (nf_pid) c["nf_pid"] = *nf_pid;
  if (ready_after) c["ready_after_ms"] = *ready_after;
  return c;
}

json Journal::to_json() const {
  json j;
  j["version"] = kVersion;
  j["run"] = run;
  j["source"] = source;
  j["state"] = state;
  j["started_at"] = started_at;
  j["engines"] = json::array();
  for (const auto& e : engines) {
    j["engines"].push_back({{"node", e.node},
                            {"kind", e.kind},
                            {"binary", e.binary},
                            {"address", e.address},
                            {"state_root", e.state_root}});
  }
  j["nodes"] = json::array();
  for (const auto& n : nodes) j["nodes"].push_back(node::to_json(n));
  j["node_dirs"] = json::array();
  for (const auto& d : node_dirs) {
    j["node_dirs"].push_back({{"node", d.node},
                              {"path", d.path},
                              {"exclusive", d.exclusive},
                              {"attempted", d.attempted},
                              {"created", d.created}});
  }
  j["node_veths"] = json::array();
  for (const auto& v : node_veths) {
    j["node_veths"].push_back(
        {{"node", v.node}, {"host_if", v.host_if}, {"vpp_if", v.vpp_if}, {"host_ip4", v.host_ip4}});
  }
  j["containers"] = json::object();
  for (const auto& [name, record] : containers) j["containers"][name] = record.to_json();
  j["plan"] = plan::to_json(plan);
  return j;
}

Journal Journal::from_json(const json& j) {
  try {
    const int version = j.at("version").get<int>();
    if (version < 1 || version > kVersion) {
      throw Error(
          fmt::format("journal version {} is not 1 to {}", j.at("version").dump(), kVersion));
    }
    Journal journal;
    journal.run = j.at("run").get<std::string>();
    journal.source = j.at("source").get<std::string>();
    journal.state = j.at("state").get<std::string>();
    journal.started_at = j.at("started_at").get<std::string>();
    for (const auto& e : j.at("engines")) {
      journal.engines.push_back({e.at("node").get<std::string>(), e.at("kind").get<std::string>(),
                                 e.at("binary").get<std::string>(),
                                 e.at("address").get<std::string>(),
                                 e.value("state_root", std::string())});
    }
    if (j.contains("nodes")) {
      for (const auto& n : j.at("nodes")) journal.nodes.push_back(node::node_access_from_json(n));
    }
    // Every node an engine runs on must be reachable; journals without "nodes" ran locally.
    for (const auto& e : journal.engines) {
      if (std::none_of(journal.nodes.begin(), journal.nodes.end(),
                       [&](const auto& n) { return n.name == e.node; })) {
        journal.nodes.push_back(node::NodeAccess{e.node, false, {}});
      }
    }
    for (const auto& d : j.at("node_dirs")) {
      // Journals written before `created` was recorded: their dirs were made by that run.
      journal.node_dirs.push_back({d.at("node").get<std::string>(), d.at("path").get<std::string>(),
                                   d.value("exclusive", true), d.value("attempted", true),
                                   d.value("created", true)});
    }
    if (j.contains("node_veths")) {  // journals of older versions have none
      for (const auto& v : j.at("node_veths")) {
        journal.node_veths.push_back(
            {v.at("node").get<std::string>(), v.at("host_if").get<std::string>(),
             v.at("vpp_if").get<std::string>(), v.at("host_ip4").get<std::string>()});
      }
    }
    for (const auto& [name, c] : j.at("containers").items()) {
      ContainerRecord record;
      for (const auto& [step_name, step_state] : c.at("steps").items()) {
        auto step = step_from(step_name);
        if (!step) throw Error("unknown step '" + step_name + "'");
        record.steps[*step] =
            step_state.get<std::string>() == "done" ? StepState::kDone : StepState::kIntended;
      }
      if (c.contains("nf_pid")) record.nf_pid = c.at("nf_pid").get<int>();
      if (c.contains("ready_after_ms"))
        record.ready_after = c.at("ready_after_ms").get<long long>();
      journal.containers[name] = std::move(record);
    }
    journal.plan = plan::from_json(j.at("plan"));
    return journal;
  } catch (const json::exception& e) {
    throw Error(std::string("the run journal is damaged: ") + e.what());
  }
}

std::string runs_dir() {
  return join_path(state_dir(), "runs");
}

std::string run_state_dir(const std::string& run) {
  return join_path(runs_dir(), run);
}

std::string journal_path(const std::string& run) {
  return join_path(run_state_dir(run), kJournalFile);
}

std::vector<std::string> list_runs() {
  std::vector<std::string> runs;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(runs_dir(), ec)) {
    auto name = entry.path().filename().string();
    if (is_safe_name(name) && std::filesystem::exists(journal_path(name), ec)) {
      runs.push_back(name);
    }
  }
  std::sort(runs.begin(), runs.end());
  return runs;
}

namespace {
std::string down_mark(const std::string& run) {
  return join_path(runs_dir(), "." + run + ".down");
}
}  // namespace

void mark_run_down(const std::string& run) {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  try {
    write_file_atomically(down_mark(run), std::string(text) + "\n");
  } catch (const Error&) {
    // only a nicer message for a second down is lost
  }
}

void clear_run_down(const std::string& run) {
  ::unlink(down_mark(run).c_str());
}

std::optional<std::string> run_down_at(const std::string& run) {
  std::ifstream in(down_mark(run));
  std::string line;
  if (!in || !std::getline(in, line)) return std::nullopt;
  return line;
}

void write_file_atomically(const std::string& path, const std::string& bytes) {
  const auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  std::string tmp = path + ".tmp.XXXXXX";
  int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) throw errno_error("cannot create a temporary file beside", path, errno);
  std::size_t written = 0;
  while (written < bytes.size()) {
    auto n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int error = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      throw errno_error("cannot write", tmp, error);
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fchmod(fd, 0644) != 0 || ::fsync(fd) != 0) {
    int error = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    throw errno_error("cannot sync", tmp, error);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int error = errno;
    ::unlink(tmp.c_str());
    throw errno_error("cannot rename the temporary file to", path, error);
  }
  fsync_dir(dir);
}

RunLock::RunLock(const std::string& run, bool create) : run_(run) {
  require_safe_name(run, "run name", "run");
  const auto dir = run_state_dir(run);
  std::error_code ec;
  if (create) {
    std::filesystem::create_directories(dir, ec);
    if (ec) throw Error(fmt::format("cannot create {}: {}", dir, ec.message()));
  } else if (!std::filesystem::exists(journal_path(run), ec)) {
    throw Error::bad_input("run " + run,
                           fmt::format("no run called {} (no journal in {}; `cnfctl ps` lists "
                                       "the runs)",
                                       run, dir));
  }
  const auto path = join_path(dir, kLockFile);
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw errno_error("cannot open the lock", path, errno);
  // A cnfctl killed a moment ago may live on for a few milliseconds in a child between its
  // clone and its exec (process/spawn.cc), which holds a copy of the lock's descriptor until it
  // closes it: a short wait tells that from another cnfctl at work.
  int error = 0;
  const bool locked = poll_until(
      [&] {
        error = ::flock(fd_, LOCK_EX | LOCK_NB) == 0 ? 0 : errno;
        if (error == 0) return true;
        return error != EWOULDBLOCK && error != EINTR;
      },
      std::chrono::steady_clock::now() + kRunLockPatience,
      Backoff(std::chrono::milliseconds(1), std::chrono::milliseconds(100)));
  if (!locked || error != 0) {
    ::close(fd_);
    fd_ = -1;
    if (error == EWOULDBLOCK) {
      throw Error::bad_input("run " + run,
                             fmt::format("run {} is busy: another cnfctl command works on it "
                                         "(waited {} s for it)",
                                         run, kRunLockPatience.count() / 1000));
    }
    throw errno_error("cannot lock", path, error);
  }
}

RunLock::~RunLock() {
  if (fd_ >= 0) ::close(fd_);
}

void RunLock::remove_run() {
  const auto dir = run_state_dir(run_);
  ::unlink(journal_path(run_).c_str());  // first: from here on, the run does not exist
  ::unlink(join_path(dir, kLockFile).c_str());
  // The logs (journal.G.log) and what a cnfctl killed while rewriting journal.json left
  // (journal.json.tmp.*, a log that journal.json never named).
  std::error_code ignored;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ignored)) {
    if (entry.path().filename().string().rfind("journal.", 0) == 0) {
      std::filesystem::remove(entry.path(), ignored);
    }
  }
  ::rmdir(dir.c_str());
  fsync_dir(runs_dir());
}

bool RunLock::remove_if_abandoned(const std::string& run) {
  if (!is_safe_name(run) || JournalFile::exists(run)) return false;
  std::error_code ec;
  if (!std::filesystem::is_directory(run_state_dir(run), ec)) return false;
  try {
    RunLock lock(run, true);  // the dir exists; throws when another cnfctl holds the lock
    if (JournalFile::exists(run)) return false;
    lock.remove_run();
    return true;
  } catch (const Error&) {
    return false;
  }
}

}  // namespace cnfctl::run
