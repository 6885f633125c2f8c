#include "vpp_build.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string_view>

namespace cnfctl::test_support {
namespace fs = std::filesystem;

namespace {

bool in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && (std::string_view(ci) == "true" || std::string_view(ci) == "1");
}

// An archive in the shared VPP folder now (it may have appeared after cmake ran).
std::string archive_on_disk() {
  std::error_code ec;
  const fs::path dir = fs::path(CNFCTL_SHARED_DIR) / "vpp";
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() > 7 && name.ends_with(".tar.xz")) return entry.path().string();
  }
  return "";
}

}  // namespace

std::optional<VppBuild> find_vpp_build() {
  const std::string configured = CNFCTL_VPP_ARCHIVE;
  if (configured.empty()) {
    const std::string found = archive_on_disk();
    if (!found.empty()) {
      throw std::runtime_error("VPP archive " + found +
                               " appeared after cmake ran: re-run cmake and build "
                               "cnfctl_vpp_build");
    }
    if (in_ci()) {
      throw std::runtime_error(std::string("CI=true and no VPP archive in ") + CNFCTL_SHARED_DIR +
                               "/vpp: real-VPP tests must run in CI");
    }
    return std::nullopt;
  }
  VppBuild build{CNFCTL_VPP_PREFIX, configured};
  std::error_code ec;
  if (!fs::exists(CNFCTL_VPP_STAMP, ec) || ::access(build.vpp().c_str(), X_OK) != 0 ||
      !fs::is_directory(build.api_json_dir(), ec)) {
    throw std::runtime_error("VPP archive " + configured + " is present but not extracted into " +
                             build.prefix +
                             " (build the target cnfctl_vpp_build; see its output for why)");
  }
  return build;
}

}  // namespace cnfctl::test_support
