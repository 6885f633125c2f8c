// JournalFile: journal.json plus its log of container changes (the layout: journal.h).
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/error.h"
#include "common/paths.h"
#include "run/journal.h"

namespace cnfctl::run {
namespace {

using nlohmann::json;

constexpr const char* kLogPrefix = "journal.";
constexpr const char* kLogSuffix = ".log";

Error errno_error(const std::string& what, const std::string& path, int error) {
  return Error(fmt::format("{} {}: {}", what, path, std::strerror(error)));
}

std::string log_name(std::uint64_t generation) {
  return fmt::format("{}{}{}", kLogPrefix, generation, kLogSuffix);
}

// The generation of a log file called `name` ("journal.7.log": 7), or nullopt.
std::optional<std::uint64_t> log_generation(const std::string& name) {
  const std::string prefix = kLogPrefix, suffix = kLogSuffix;
  if (name.size() <= prefix.size() + suffix.size() || name.rfind(prefix, 0) != 0 ||
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return std::nullopt;
  }
  const auto digits = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
  if (digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 18) {
    return std::nullopt;
  }
  return std::stoull(digits);
}

// Every log in `dir` with its generation.
std::vector<std::pair<std::uint64_t, std::filesystem::path>> logs_in(const std::string& dir) {
  std::vector<std::pair<std::uint64_t, std::filesystem::path>> logs;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (auto g = log_generation(entry.path().filename().string())) {
      logs.emplace_back(*g, entry.path());
    }
  }
  return logs;
}

// The whole file, or nullopt when it does not exist. Throws on other errors.
std::optional<std::string> read_text(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    throw errno_error("cannot open", path, errno);
  }
  std::string text;
  char buffer[65536];
  while (true) {
    auto n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int error = errno;
      ::close(fd);
      throw errno_error("cannot read", path, error);
    }
    if (n == 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return text;
}

// Applies the lines of `log` (read from `path`) to `journal` in order. The last line may be
// torn: unterminated or not JSON (a cnfctl killed while appending it); it is ignored.
void fold_log(json& journal, const std::string& log, const std::string& path) {
  std::size_t pos = 0;
  std::size_t line = 0;
  while (pos < log.size()) {
    ++line;
    const auto end = log.find('\n', pos);
    const bool last = end == std::string::npos || end + 1 == log.size();
    auto patch = json::parse(
        log.begin() + static_cast<std::ptrdiff_t>(pos),
        end == std::string::npos ? log.end() : log.begin() + static_cast<std::ptrdiff_t>(end),
        nullptr, false);
    if (patch.is_discarded() || !patch.is_object()) {
      if (last) return;
      throw Error(fmt::format("the journal log {} is damaged at line {}", path, line));
    }
    journal.merge_patch(patch);
    if (end == std::string::npos) return;
    pos = end + 1;
  }
}

void write_all(int fd, const std::string& bytes, const std::string& path) {
  std::size_t written = 0;
  while (written < bytes.size()) {
    auto n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw errno_error("cannot write", path, errno);
    written += static_cast<std::size_t>(n);
  }
}

}  // namespace

json read_journal_json(const std::string& run_dir) {
  const auto path = join_path(run_dir, "journal.json");
  // A command rewriting the journal meanwhile replaces journal.json, then removes the log the
  // old one named: read again when that log is gone.
  for (int attempt = 1;; ++attempt) {
    const auto text = read_text(path);
    if (!text) return json();
    json journal;
    try {
      journal = json::parse(*text);
    } catch (const json::exception& e) {
      throw Error(fmt::format("the journal {} is damaged: {}", path, e.what()));
    }
    if (!journal.is_object() || !journal.contains("log")) return journal;  // version 1: no log
    std::uint64_t generation = 0;
    try {
      generation = journal.at("log").get<std::uint64_t>();
    } catch (const json::exception& e) {
      throw Error(fmt::format("the journal {} is damaged: {}", path, e.what()));
    }
    journal.erase("log");
    const auto log_path = join_path(run_dir, log_name(generation));
    const auto log = read_text(log_path);
    if (!log && attempt < 5) continue;
    if (log) fold_log(journal, *log, log_path);
    return journal;
  }
}

JournalFile::JournalFile(Journal journal) : journal_(std::move(journal)) {
  for (const auto& [g, path] : logs_in(run_state_dir(journal_.run))) {
    generation_ = std::max(generation_, g);
  }
  std::unique_lock lock(mutex_);
  rewrite_ = true;
  save_through(lock, ++changes_);
}

JournalFile::~JournalFile() {
  // Best effort for records left waiting for a next save: every caller that needs a record on
  // disk saved it already (Save::kNow), and a run removed meanwhile has nowhere to write to.
  try {
    flush();
  } catch (...) {
  }
  if (log_fd_ >= 0) ::close(log_fd_);
}

Journal JournalFile::read(const std::string& run) {
  const auto j = read_journal_json(run_state_dir(run));
  if (j.is_null()) {
    throw Error::bad_input("run " + run,
                           fmt::format("no run called {} (no journal {})", run, journal_path(run)));
  }
  return Journal::from_json(j);
}

bool JournalFile::exists(const std::string& run) {
  std::error_code ec;
  return std::filesystem::exists(journal_path(run), ec);
}

void JournalFile::update_container(const std::string& name,
                                   const std::function<void(ContainerRecord&)>& change, Save save) {
  std::unique_lock lock(mutex_);
  auto& record = journal_.containers[name];
  change(record);
  json patch;
  patch["containers"][name] = record.to_json();
  pending_ += patch.dump() + "\n";
  ++changes_;
  if (save == Save::kNow) save_through(lock, changes_);
}

void JournalFile::update_state(const std::string& state) {
  std::unique_lock lock(mutex_);
  journal_.state = state;
  pending_ += json{{"state", state}}.dump() + "\n";
  save_through(lock, ++changes_);
}

void JournalFile::record(const std::string& name, Step step, StepState state, Save save) {
  update_container(
      name, [&](ContainerRecord& r) { r.steps[step] = state; }, save);
}

void JournalFile::flush() {
  std::unique_lock lock(mutex_);
  save_through(lock, changes_);
}

Journal JournalFile::snapshot() const {
  std::lock_guard lock(mutex_);
  return journal_;
}

void JournalFile::save_through(std::unique_lock<std::mutex>& lock, std::uint64_t change) {
  while (saved_ < change) {
    if (saving_) {
      saved_cv_.wait(lock);
      continue;
    }
    // This thread writes everything applied so far; changes made meanwhile wait for the next.
    saving_ = true;
    const std::uint64_t covers = changes_;
    const bool whole = rewrite_;
    std::string bytes;
    if (whole) {
      // The rewrite holds every change so far: the queued log lines are in it.
      rewrite_ = false;
      pending_.clear();
      auto j = journal_.to_json();
      j["log"] = generation_ + 1;
      bytes = j.dump(1) + "\n";
    } else {
      bytes.swap(pending_);
    }
    lock.unlock();
    try {
      if (whole) {
        rewrite(bytes, generation_ + 1);
      } else {
        append(bytes);
      }
    } catch (...) {
      lock.lock();
      // The log may end in part of a line now: the next save starts a new one.
      rewrite_ = true;
      saving_ = false;
      saved_cv_.notify_all();
      throw;
    }
    lock.lock();
    saving_ = false;
    saved_ = std::max(saved_, covers);
    saved_cv_.notify_all();
  }
}

void JournalFile::rewrite(const std::string& bytes, std::uint64_t generation) {
  const auto dir = run_state_dir(journal_.run);
  const auto log_path = join_path(dir, log_name(generation));
  // The new log exists before journal.json names it (write_file_atomically's fsync of the dir
  // makes both names durable); a leftover of that generation (a killed rewrite) is emptied.
  int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw errno_error("cannot create the journal log", log_path, errno);
  try {
    write_file_atomically(journal_path(journal_.run), bytes);
  } catch (...) {
    ::close(fd);
    ::unlink(log_path.c_str());
    throw;
  }
  if (log_fd_ >= 0) ::close(log_fd_);
  log_fd_ = fd;
  generation_ = generation;
  // The logs journal.json no longer names (readers that still hold an old journal.json find
  // its log gone and read again).
  for (const auto& [g, path] : logs_in(dir)) {
    if (g != generation) ::unlink(path.c_str());
  }
}

void JournalFile::append(const std::string& bytes) {
  const auto path = join_path(run_state_dir(journal_.run), log_name(generation_));
  write_all(log_fd_, bytes, path);
  if (::fdatasync(log_fd_) != 0) throw errno_error("cannot sync", path, errno);
}

}  // namespace cnfctl::run
