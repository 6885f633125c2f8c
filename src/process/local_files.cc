#include "process/local_files.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "process/unique_fd.h"

namespace cnfctl::process {
namespace {

std::string failure(const std::string& step, const std::string& path, int error) {
  return step + " " + path + ": " + std::strerror(error);
}

// One path of `mkdir -p`: each component from the root; an existing directory is fine.
LocalFailure make_one_dir(const std::string& path) {
  if (path.empty()) return failure("mkdir", "''", ENOENT);
  std::size_t at = 0;
  while (at != std::string::npos) {
    at = path.find('/', at + 1);
    const std::string prefix = path.substr(0, at);
    if (prefix.empty() || prefix == "/") continue;
    if (::mkdir(prefix.c_str(), 0777) == 0) continue;
    const int error = errno;
    struct stat st {};
    if (error == EEXIST && ::stat(prefix.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) continue;
    return failure("mkdir", prefix, error == EEXIST ? ENOTDIR : error);
  }
  return std::nullopt;
}

}  // namespace

LocalFailure make_dirs_local(const std::vector<std::string>& paths) {
  for (const auto& path : paths) {
    if (auto failed = make_one_dir(path)) return failed;
  }
  return std::nullopt;
}

LocalFailure write_file_local(const std::string& path, const std::string& bytes) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0666));
  if (!fd) return failure("open", path, errno);
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd.get(), bytes.data() + written, bytes.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return failure("write", path, errno);
    }
    written += static_cast<std::size_t>(n);
  }
  if (::close(fd.release()) != 0) return failure("close", path, errno);
  return std::nullopt;
}

std::vector<std::string> nul_separated_words(const std::string& text) {
  std::vector<std::string> words;
  for (std::size_t at = 0; at < text.size();) {
    auto end = text.find('\0', at);
    if (end == std::string::npos) end = text.size();
    words.push_back(text.substr(at, end - at));
    at = end + 1;
  }
  return words;
}

std::optional<std::string> read_file_local(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd) return std::nullopt;
  std::string text;
  char buffer[8192];
  while (true) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::nullopt;
    }
    if (n == 0) return text;
    text.append(buffer, static_cast<std::size_t>(n));
  }
}

bool exists_local(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

LocalFailure mount_local(const std::string& type, const std::string& source,
                         const std::string& target, const std::string& options) {
  if (::mount(source.c_str(), target.c_str(), type.c_str(), 0, options.c_str()) != 0) {
    return failure("mount -t " + type, target, errno);
  }
  return std::nullopt;
}

LocalFailure unmount_local(const std::string& target, bool lazy) {
  if (::umount2(target.c_str(), lazy ? MNT_DETACH : 0) != 0) {
    return failure(lazy ? "umount -l" : "umount", target, errno);
  }
  return std::nullopt;
}

}  // namespace cnfctl::process
