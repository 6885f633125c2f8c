// The run journal (SPEC §11): what a run is about to create and what exists, so `down` works
// from it alone after a crash or `kill -9`, and the lock that keeps two commands off one run.
//
// Layout of <state_dir()>/runs/<run>/:
// - journal.json: the whole journal (plan, nodes, engines, node dirs, state, container records)
//   as of its last rewrite, written atomically (temp file, fsync, rename, fsync of the dir). It
//   names its log: "log": G.
// - journal.G.log: what changed in the containers' records and the run's state since, one JSON
//   merge patch (RFC 7386) of journal.json a line ({"containers":{NAME: its whole record}} or
//   {"state": STATE}), appended and fdatasync'd before the change counts as saved. A container
//   step costs one short line, whatever the number of containers; the other run-wide changes
//   (node dirs: a few per run) rewrite journal.json and start log G+1 (made before journal.json
//   names it; the old log is removed after). Reading folds the log into journal.json in order; a
//   last line that does not parse is torn (a cnfctl killed while appending it: its caller never
//   went on) and is ignored, a damaged line before it is an error.
// - lock: flock while a command works on the run.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "node/node_access.h"
#include "plan/plan.h"

namespace cnfctl::run {

/// The steps of one container's bring-up, in order. Each is recorded as intended before it
/// runs and done after it succeeded.
enum class Step { kAcquire, kCreate, kPrepare, kFiles, kStart, kReady };

/// "acquire", "create", "prepare", "files", "start", "ready".
const char* to_string(Step step);

/// True for the steps whose intent `down` reads to decide what may exist on a node (acquire,
/// create, start: tear_down.h): such an intent is on disk before its step runs. The other
/// records (every step's done, and the intents of prepare, files and ready, which `down` never
/// reads) are saved with the next save instead of each costing a sync of its own.
bool intent_guards_teardown(Step step);
/// The step spelled `name`, or nullopt.
std::optional<Step> step_from(const std::string& name);

enum class StepState { kIntended, kDone };

/// What exists of one container.
struct ContainerRecord {
  std::map<Step, StepState> steps;
  std::optional<int> nf_pid;             // inside the container, once started
  std::optional<long long> ready_after;  // ms from the start of `up` until ready

  nlohmann::json to_json() const;  // {"steps": {"acquire": "done", ...}, "nf_pid": ...}

  /// True when `step` was at least intended (it may have happened).
  bool touched(Step step) const { return steps.count(step) != 0; }
  bool done(Step step) const {
    auto it = steps.find(step);
    return it != steps.end() && it->second == StepState::kDone;
  }
};

/// How to reach one (node, engine) pair again: what make_engine() needs.
struct EngineRecord {
  std::string node;
  std::string kind;        // "oci", "lxc", "docker", "podman"
  std::string binary;      // oci: runc | crun; empty: the engine's default
  std::string address;     // docker/podman daemon address; empty: the default
  std::string state_root;  // the engine's state dir on the node; empty: the engine's default
  bool operator==(const EngineRecord&) const = default;
};

/// A directory this run makes on a node: the memif socket dir, DPDK runtime dirs, VPP socket
/// dirs (exclusive: the run refuses to start when one exists) and the host paths of mounts
/// written with `create: true` (made only when missing). `down` removes exactly the ones whose
/// `created` is set: a directory that existed before the run is never removed.
struct NodeDir {
  std::string node;
  std::string path;
  /// The directory must not exist before the run (cnfctl's own); false: `create: true` mounts.
  bool exclusive = true;
  /// Set just before the run tries to make it; cleared again when it turned out to exist.
  /// `down` after a crash removes an attempted, not created directory only when it is empty.
  bool attempted = false;
  /// The run made it (mkdir succeeded; recorded right after). `down` removes it with its contents.
  bool created = false;
  bool operator==(const NodeDir&) const = default;
};

/// A host veth pair this run creates on a node (a VPP NF's `veth:`, src/node/host_veth.h);
/// recorded before it is made, deleted by `down` and rollback (with its peer).
struct NodeVeth {
  std::string node;
  std::string host_if;
  std::string vpp_if;
  std::string host_ip4;  // "198.51.100.1/24"
  bool operator==(const NodeVeth&) const = default;
};

struct Journal {
  /// 2: journal.json names a log of changes (version 1 journals have none; still read).
  static constexpr int kVersion = 2;
  std::string run;
  std::string source;
  std::string state;       // "starting", "up", "failed", "stopping"
  std::string started_at;  // ISO 8601 UTC
  plan::Plan plan;
  std::vector<node::NodeAccess> nodes;  // how to reach every node the run uses
  std::vector<EngineRecord> engines;
  std::vector<NodeDir> node_dirs;
  std::vector<NodeVeth> node_veths;
  std::map<std::string, ContainerRecord> containers;  // by plan container name

  nlohmann::json to_json() const;
  /// Throws cnfctl::Error (failure) naming what is damaged.
  static Journal from_json(const nlohmann::json& json);
};

/// <state_dir()>/runs.
std::string runs_dir();
/// <state_dir()>/runs/<run>.
std::string run_state_dir(const std::string& run);
/// <state_dir()>/runs/<run>/journal.json: a run exists while it does.
std::string journal_path(const std::string& run);
/// The journal of the run whose state dir is `run_dir` as JSON: journal.json with its log
/// folded in (what JournalFile::read parses; tests look at a run's journal from outside with
/// it). Null when there is no journal.json; throws cnfctl::Error when it or its log is damaged.
nlohmann::json read_journal_json(const std::string& run_dir);

/// The names of the runs that have a journal, sorted. Never throws (an unreadable dir: empty).
std::vector<std::string> list_runs();

/// Marks `run` as torn down (a small file beside the run dirs) so a second `down` can say so;
/// `clear` removes the mark (a new `up` of the name). Never throws.
void mark_run_down(const std::string& run);
void clear_run_down(const std::string& run);
/// When `run` was torn down ("2024-05-01T10:00:00Z"), or nullopt when it never was.
std::optional<std::string> run_down_at(const std::string& run);

/// Writes `bytes` to `path` atomically: a temp file in the same directory, fsync, rename over
/// `path`, fsync of the directory. Throws cnfctl::Error with errno text; the temp file is
/// removed on failure.
void write_file_atomically(const std::string& path, const std::string& bytes);

/// How long RunLock waits for another holder of a run's lock before it says the run is busy.
inline constexpr std::chrono::milliseconds kRunLockPatience{3000};

/// An exclusive lock on a run name (flock on <run dir>/lock), held until destruction.
class RunLock {
 public:
  /// Creates the run's state dir when `create` is true. Throws Error::bad_input when the run
  /// does not exist and `create` is false ("no run called X"), or when another cnfctl holds the
  /// lock for kRunLockPatience ("run X is busy"); cnfctl::Error for I/O failures.
  RunLock(const std::string& run, bool create);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

  /// Removes the journal (journal.json first, then its logs), the lock file and the run's state dir
  /// (the lock stays held until destruction). Never throws.
  void remove_run();

  /// Removes the state dir of `run` when it holds no journal and nobody holds its lock: what a
  /// cnfctl killed inside remove_run() (journal gone, dir not yet) leaves. Returns true when it
  /// removed it. Never throws.
  static bool remove_if_abandoned(const std::string& run);

 private:
  std::string run_;
  int fd_ = -1;
};

/// The journal of a run, shared by the threads that bring it up: every change is saved before
/// the call that makes it returns. Saves are grouped: while one thread writes, the changes of
/// others queue up and the next write carries them all (one fsync for many steps when
/// containers work in parallel). A failed save throws cnfctl::Error; the change stays applied
/// in memory and the next save rewrites the whole journal.
class JournalFile {
 public:
  /// When a container change reaches the disk: before the call returns, or with the next save
  /// (any thread's; the run-wide rewrites hold it too). A record saved with the next one is lost
  /// when cnfctl dies before that save: only for records `down` does not need.
  enum class Save { kNow, kWithNext };

  /// Takes `journal` and writes it whole as the run's journal.json with a new, empty log (what
  /// the run dir held before is replaced: `down` and `restart` open a run this way, which also
  /// drops a torn last line). Throws cnfctl::Error when it cannot be written.
  explicit JournalFile(Journal journal);
  ~JournalFile();
  JournalFile(const JournalFile&) = delete;
  JournalFile& operator=(const JournalFile&) = delete;
  /// Reads the journal of `run`. Throws Error::bad_input when there is none (no run called X;
  /// says if it was already torn down is unknowable) and cnfctl::Error when it is damaged.
  static Journal read(const std::string& run);
  /// True when `run` has a journal file.
  static bool exists(const std::string& run);

  /// A run-wide change (state, node dirs): applies `change` and returns once journal.json is
  /// rewritten with it (its size grows with the plan: for the few changes of a run, not for
  /// each container step).
  template <class F>
  void update(F&& change) {
    std::unique_lock lock(mutex_);
    change(journal_);
    rewrite_ = true;
    save_through(lock, ++changes_);
  }
  /// Sets the run's state ("up", "failed", ...) and returns once it is saved: one short log line
  /// ({"state": ...}, a merge patch like the container lines), not a rewrite of journal.json
  /// with its two fsyncs (the end of every `up` waited for those).
  void update_state(const std::string& state);
  /// Applies `change` to the record of container `name` and returns once the record is
  /// appended to the log: the cost does not grow with the number of containers.
  void update_container(const std::string& name,
                        const std::function<void(ContainerRecord&)>& change,
                        Save save = Save::kNow);
  /// Records `state` of `step` for container `name` (update_container).
  void record(const std::string& name, Step step, StepState state, Save save = Save::kNow);
  /// Returns once every change applied so far is saved (the ones waiting for a next save too).
  void flush();
  /// A copy of the journal as it is now.
  Journal snapshot() const;

 private:
  /// Returns once change number `change` is saved; the caller holds `lock` on mutex_.
  void save_through(std::unique_lock<std::mutex>& lock, std::uint64_t change);
  /// Writes `bytes` (journal.json naming log `generation`) and starts that log; no mutex held.
  void rewrite(const std::string& bytes, std::uint64_t generation);
  /// Appends `bytes` (whole lines) to the log and syncs it; no mutex held.
  void append(const std::string& bytes);

  mutable std::mutex mutex_;
  std::condition_variable saved_cv_;
  Journal journal_;
  std::uint64_t changes_ = 0;  // changes applied to journal_
  std::uint64_t saved_ = 0;    // changes on disk
  bool saving_ = false;        // a thread is writing (without the mutex)
  bool rewrite_ = false;       // the next save rewrites journal.json (a run-wide change)
  std::string pending_;        // log lines of the container changes not yet written
  // Only the saving thread touches these two.
  std::uint64_t generation_ = 0;  // the log journal.json names
  int log_fd_ = -1;               // that log, open for appending
};

}  // namespace cnfctl::run
