// The real VPP build the tests run (cmake/vpp_build.cmake extracts ../shared/vpp/*.tar.xz into
// the build tree, checked against its README's sha256). Plain C++ (no GoogleTest), so benchmarks
// can use it too. In a GoogleTest:
//
//   auto vpp = cnfctl::test_support::find_vpp_build();  // throws → the test fails
//   if (!vpp) GTEST_SKIP() << cnfctl::test_support::kNoVppBuild;
#pragma once

#include <optional>
#include <string>

namespace cnfctl::test_support {

/// An extracted VPP build: the `vpp/` folder of the archive (relocatable; RUNPATH $ORIGIN).
struct VppBuild {
  std::string prefix;   // .../build/vpp/tree/vpp
  std::string archive;  // the archive it came from

  std::string vpp() const { return prefix + "/bin/vpp"; }
  std::string vppctl() const { return prefix + "/bin/vppctl"; }
  /// The API message definitions of exactly this build (core/*.api.json, plugins/*.api.json).
  std::string api_json_dir() const { return prefix + "/share/vpp/api"; }
  std::string plugin_dir() const { return prefix + "/lib/x86_64-linux-gnu/vpp_plugins"; }
  std::string lib_dir() const { return prefix + "/lib/x86_64-linux-gnu"; }
};

/// Why a real-VPP test skipped.
inline constexpr const char* kNoVppBuild =
    "no VPP archive in ../shared/vpp (CNFCTL_SHARED_DIR); real-VPP tests need one";

/// The extracted VPP build. nullopt only when there is no VPP archive at all and the
/// environment is not CI (env CI=true): then the test may skip. Throws std::runtime_error
/// (the test fails, never skips) when an archive is present but its extraction is missing or
/// incomplete, or when CI=true and there is no archive.
std::optional<VppBuild> find_vpp_build();

}  // namespace cnfctl::test_support
