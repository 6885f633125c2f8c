// The `--version` lines of this machine's programs, remembered by the identity of their file.
//
// `up` records the versions of the engines it uses in the run's plan; asking costs a process per
// program at every start (runc's Go runtime: 3 ms, on the path to the first container; issue
// 12). A program's line is kept in <state_dir()>/program-versions.json with the file's device,
// inode, size, modification and change times, and is used again only while all of them match:
// an upgrade, a reinstall or a touch asks again.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace cnfctl::node {

class VersionCache {
 public:
  /// The cache in `file`; default: <state_dir()>/program-versions.json. Reads it now; a missing
  /// or damaged file is an empty cache. Never throws.
  explicit VersionCache(std::string file = default_file());
  static std::string default_file();

  /// The remembered version line of the program file at `path`, when the file is still the one
  /// it was read from.
  std::optional<std::string> find(const std::string& path) const;
  /// Remembers `version` for the program file at `path` as it is now (nothing when it cannot be
  /// looked at).
  void remember(const std::string& path, const std::string& version);
  /// Writes the cache when remember() changed it: a temp file renamed over the old one (no
  /// fsync: losing it only costs a `--version` run). Never throws.
  void save() const;

 private:
  std::string file_;
  nlohmann::json entries_ = nlohmann::json::object();  // path -> {"id": [...], "version": ...}
  bool changed_ = false;
};

struct NodeSurvey;

/// Keeps the version lines `survey` had to ask for in the default cache. Writes into the state
/// dir: only for a command that touches the machine anyway (`up`, once its input is good), never
/// for `plan` or bad input. Never throws.
void remember_versions(const NodeSurvey& survey);

}  // namespace cnfctl::node
