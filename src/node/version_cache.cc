#include "node/version_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "common/paths.h"
#include "node/node_survey.h"

namespace cnfctl::node {
namespace {

// What identifies the file's content without reading it.
std::optional<nlohmann::json> identity(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  return nlohmann::json::array(
      {static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino),
       static_cast<std::int64_t>(st.st_size), static_cast<std::int64_t>(st.st_mtim.tv_sec),
       static_cast<std::int64_t>(st.st_mtim.tv_nsec), static_cast<std::int64_t>(st.st_ctim.tv_sec),
       static_cast<std::int64_t>(st.st_ctim.tv_nsec)});
}

}  // namespace

std::string VersionCache::default_file() {
  return join_path(state_dir(), "program-versions.json");
}

VersionCache::VersionCache(std::string file) : file_(std::move(file)) {
  std::ifstream in(file_);
  if (!in) return;
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = nlohmann::json::parse(text.str(), nullptr, false);
  if (parsed.is_object()) entries_ = std::move(parsed);
}

std::optional<std::string> VersionCache::find(const std::string& path) const {
  auto it = entries_.find(path);
  if (it == entries_.end() || !it->is_object()) return std::nullopt;
  const auto id = identity(path);
  if (!id || it->value("id", nlohmann::json()) != *id) return std::nullopt;
  const auto version = it->value("version", nlohmann::json());
  if (!version.is_string()) return std::nullopt;
  return version.get<std::string>();
}

void VersionCache::remember(const std::string& path, const std::string& version) {
  const auto id = identity(path);
  if (!id) return;
  entries_[path] = {{"id", *id}, {"version", version}};
  changed_ = true;
}

void VersionCache::save() const {
  if (!changed_) return;
  const auto slash = file_.rfind('/');
  if (slash != std::string::npos && slash > 0) ::mkdir(file_.substr(0, slash).c_str(), 0755);
  const std::string temp = file_ + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(temp, std::ios::trunc);
    out << entries_.dump() << "\n";
    if (!out.flush()) {
      ::unlink(temp.c_str());
      return;
    }
  }
  if (::rename(temp.c_str(), file_.c_str()) != 0) ::unlink(temp.c_str());
}

void remember_versions(const NodeSurvey& survey) {
  if (survey.asked_versions.empty()) return;
  VersionCache cache;
  for (const auto& [path, version] : survey.asked_versions) cache.remember(path, version);
  cache.save();
}

}  // namespace cnfctl::node
