#include "process/sealed_program.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace cnfctl::process {
namespace {

#ifndef MFD_EXEC
constexpr unsigned kMfdExec = 0x0010U;  // Linux 6.3: an executable memfd whatever vm.memfd_noexec
#else
constexpr unsigned kMfdExec = MFD_EXEC;
#endif

UniqueFd make_memfd(const std::string& name) {
  const unsigned flags = MFD_CLOEXEC | MFD_ALLOW_SEALING;
  UniqueFd fd(::memfd_create(name.c_str(), flags | kMfdExec));
  // Before 6.3 the kernel knows no MFD_EXEC (EINVAL), and every memfd may be executed.
  if (!fd && errno == EINVAL) fd.reset(::memfd_create(name.c_str(), flags));
  return fd;
}

}  // namespace

const int SealedProgram::kSeals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;

std::optional<SealedProgram> SealedProgram::copy_of(const std::string& path) {
  UniqueFd file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st {};
  if (!file || ::fstat(file.get(), &st) != 0 || !S_ISREG(st.st_mode) ||
      (st.st_mode & S_IXUSR) == 0) {
    return std::nullopt;
  }
  const auto slash = path.rfind('/');
  UniqueFd copy = make_memfd(slash == std::string::npos ? path : path.substr(slash + 1));
  if (!copy) return std::nullopt;
  off_t offset = 0;
  while (offset < st.st_size) {
    const auto n =
        ::sendfile(copy.get(), file.get(), &offset, static_cast<std::size_t>(st.st_size - offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
  }
  struct stat copied {};
  if (::fcntl(copy.get(), F_ADD_SEALS, kSeals) != 0 || ::fstat(copy.get(), &copied) != 0 ||
      copied.st_size != st.st_size || (copied.st_mode & S_IXUSR) == 0 ||
      ::fcntl(copy.get(), F_GET_SEALS) != kSeals) {
    return std::nullopt;
  }
  // The children exec it by this name: they do not inherit the descriptor (close-on-exec, and
  // the runner closes all but stdio), but this process's table stays in reach through /proc.
  std::string where = fmt::format("/proc/{}/fd/{}", ::getpid(), copy.get());
  return SealedProgram(std::move(copy), std::move(where));
}

}  // namespace cnfctl::process
