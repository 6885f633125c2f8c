// Parsers and checks for the scalar values of a topology file: paths, MAC / IPv4 / PCI addresses,
// sizes, durations, CPU lists. Pure functions: each returns the parsed value, or nullopt / a
// description of the problem that the loader turns into a located error.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cnfctl::topology {

/// Parses a whole decimal number ("0", "42"; no sign, no spaces, no 0x); nullopt otherwise or on
/// overflow.
std::optional<std::uint64_t> parse_unsigned(std::string_view text);

/// Why `path` is not acceptable as an absolute path that cnfctl passes to engines (bind mounts,
/// socket directories, binaries), or nullopt when it is fine. Rules: absolute, at most 1024
/// bytes, no `..` component, no ':' or ',' (engine mount syntaxes split on them), no whitespace or
/// control characters (LXC config lines, journals).
std::optional<std::string> absolute_path_problem(std::string_view path);

/// `path` with `.` components, repeated and trailing slashes removed ("/a//b/./c/" → "/a/b/c").
/// Precondition: absolute_path_problem(path) is nullopt.
std::string normalize_absolute_path(std::string_view path);

/// True for a directory of the operating system that cnfctl must never make a run directory
/// in place of, mount its own directories over, or remove: "/", the FHS top-level directories
/// (/etc, /usr, /var, /run, /tmp, /home, /root, /opt, /srv, /boot, /dev, ...), their well-known
/// children (/var/lib, /var/log, /usr/lib, /usr/local, /run/lock, ...), everything under /proc
/// and /sys, and /home/<user>. `path` is normalized (normalize_absolute_path).
bool is_system_directory(std::string_view path);

/// A MAC address "aa:bb:cc:dd:ee:ff" (either case, ':' or '-'), returned in lower case with ':'.
std::optional<std::string> parse_mac(std::string_view text);

/// A dotted-quad IPv4 address, returned in canonical form (no leading zeros accepted).
std::optional<std::string> parse_ipv4(std::string_view text);

/// A PCI address "dddd:bb:ss.f" or "bb:ss.f" (domain 0000 added), returned in lower case.
std::optional<std::string> parse_pci_address(std::string_view text);

/// A CPU list as the kernel prints it, "2-5,8" (also accepts a single number), sorted, no
/// duplicates. nullopt when malformed, a range is reversed, or a CPU is above kMaxCpu.
std::optional<std::vector<unsigned>> parse_cpu_list(std::string_view text);

/// The highest CPU number accepted anywhere (CPU lists, explicit pinning).
inline constexpr unsigned kMaxCpu = 4095;

/// A duration with a unit: "5s", "500ms", "2m". nullopt without a unit or with another unit.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

/// A memory size as VPP spells it, "2G", "512M", "64K" or a plain byte count; returned
/// normalized (upper-case suffix). nullopt when malformed or zero.
std::optional<std::string> parse_vpp_size(std::string_view text);

/// A packet rate: a plain number of packets per second, or with a suffix "pps", "kpps", "Mpps".
std::optional<std::uint64_t> parse_rate_pps(std::string_view text);

/// True for a valid environment variable name: [A-Za-z_][A-Za-z0-9_]*.
bool is_env_name(std::string_view name);

/// True for a host name or address that ssh can be given safely: [A-Za-z0-9._:-]+, not
/// starting with '-', at most 253 characters.
bool is_host_name(std::string_view host);

/// True for a Unix user name: [A-Za-z_][A-Za-z0-9_.-]*, at most 32 characters.
bool is_user_name(std::string_view user);

/// True for an engine-native image reference such as "docker.io/library/debian:12" or
/// "busybox@sha256:…": [A-Za-z0-9][A-Za-z0-9._/:@-]*, at most 255 characters, no "..".
bool is_image_reference(std::string_view name);

/// The 32 bits of a dotted-quad IPv4 address that is already known to be well formed.
std::uint32_t ipv4_bits(const std::string& dotted);

}  // namespace cnfctl::topology
