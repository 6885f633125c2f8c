#include "topology/values.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>

namespace cnfctl::topology {

namespace {

constexpr std::size_t kMaxPathLength = 1024;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_alnum(char c) {
  return is_digit(c) || is_alpha(c);
}

std::optional<unsigned> hex_digit(char c) {
  if (is_digit(c)) return static_cast<unsigned>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<unsigned>(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return static_cast<unsigned>(c - 'A' + 10);
  return std::nullopt;
}

// Splits on `separator`, keeping empty fields.
std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const auto end = text.find(separator, start);
    if (end == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, end - start));
    start = end + 1;
  }
}

// Parses exactly `digits` hex digits.
std::optional<unsigned> parse_hex(std::string_view text, std::size_t digits) {
  if (text.size() != digits) return std::nullopt;
  unsigned value = 0;
  for (char c : text) {
    const auto d = hex_digit(c);
    if (!d) return std::nullopt;
    value = value * 16 + *d;
  }
  return value;
}

}  // namespace

std::optional<std::uint64_t> parse_unsigned(std::string_view text) {
  if (text.empty() || !std::all_of(text.begin(), text.end(), is_digit)) return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<std::string> absolute_path_problem(std::string_view path) {
  if (path.empty()) return "it is empty";
  if (path.front() != '/') return "it must be absolute (start with '/')";
  if (path.size() > kMaxPathLength) {
    return fmt::format("it is {} bytes long, the limit is {}", path.size(), kMaxPathLength);
  }
  for (char c : path) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return "it contains a control character (NUL, newline, tab, ...)";
    if (c == ' ') return "it contains a space";
    if (c == ':') return "it contains ':', which engines use to separate mount fields";
    if (c == ',') return "it contains ',', which engines use to separate mount options";
  }
  for (auto component : split(path, '/')) {
    if (component == "..") return "it contains a '..' component";
  }
  return std::nullopt;
}

std::string normalize_absolute_path(std::string_view path) {
  std::string out;
  for (auto component : split(path, '/')) {
    if (component.empty() || component == ".") continue;
    out += '/';
    out += component;
  }
  return out.empty() ? "/" : out;
}

std::optional<std::string> parse_mac(std::string_view text) {
  if (text.size() != 17) return std::nullopt;
  const char separator = text[2];
  if (separator != ':' && separator != '-') return std::nullopt;
  const auto parts = split(text, separator);
  if (parts.size() != 6) return std::nullopt;
  std::string out;
  for (auto part : parts) {
    const auto byte = parse_hex(part, 2);
    if (!byte) return std::nullopt;
    if (!out.empty()) out += ':';
    out += fmt::format("{:02x}", *byte);
  }
  return out;
}

std::optional<std::string> parse_ipv4(std::string_view text) {
  const auto parts = split(text, '.');
  if (parts.size() != 4) return std::nullopt;
  for (auto part : parts) {
    if (part.size() > 1 && part.front() == '0') return std::nullopt;  // no octal ambiguity
    const auto value = parse_unsigned(part);
    if (!value || *value > 255) return std::nullopt;
  }
  return std::string(text);
}

std::optional<std::string> parse_pci_address(std::string_view text) {
  auto parts = split(text, ':');
  unsigned domain = 0;
  if (parts.size() == 3) {
    const auto d = parse_hex(parts[0], 4);
    if (!d) return std::nullopt;
    domain = *d;
    parts.erase(parts.begin());
  }
  if (parts.size() != 2) return std::nullopt;
  const auto bus = parse_hex(parts[0], 2);
  const auto dot = parts[1].find('.');
  if (!bus || dot == std::string_view::npos) return std::nullopt;
  const auto slot = parse_hex(parts[1].substr(0, dot), 2);
  const auto function = parse_hex(parts[1].substr(dot + 1), 1);
  if (!slot || !function || *slot > 0x1f || *function > 7) return std::nullopt;
  return fmt::format("{:04x}:{:02x}:{:02x}.{:x}", domain, *bus, *slot, *function);
}

std::optional<std::vector<unsigned>> parse_cpu_list(std::string_view text) {
  std::vector<unsigned> cpus;
  for (auto item : split(text, ',')) {
    const auto dash = item.find('-');
    const auto first = parse_unsigned(item.substr(0, dash));
    auto last = first;
    if (dash != std::string_view::npos) last = parse_unsigned(item.substr(dash + 1));
    if (!first || !last || *first > *last || *last > kMaxCpu) return std::nullopt;
    for (auto cpu = *first; cpu <= *last; ++cpu) cpus.push_back(static_cast<unsigned>(cpu));
  }
  std::sort(cpus.begin(), cpus.end());
  cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
  return cpus;
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && is_digit(text[digits])) ++digits;
  const auto number = parse_unsigned(text.substr(0, digits));
  const auto unit = text.substr(digits);
  // Bounded so that the product cannot overflow: a day is plenty for a traffic run.
  constexpr std::uint64_t kMaxMs = 24ULL * 3600 * 1000;
  if (!number || *number > kMaxMs) return std::nullopt;
  std::uint64_t ms = 0;
  if (unit == "ms") {
    ms = *number;
  } else if (unit == "s") {
    ms = *number * 1000;
  } else if (unit == "m") {
    ms = *number * 60 * 1000;
  } else {
    return std::nullopt;
  }
  if (ms > kMaxMs) return std::nullopt;
  return std::chrono::milliseconds(static_cast<std::chrono::milliseconds::rep>(ms));
}

std::optional<std::string> parse_vpp_size(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::string suffix;
  auto digits = text;
  const char last = text.back();
  if (!is_digit(last)) {
    const char upper = static_cast<char>(last >= 'a' && last <= 'z' ? last - 'a' + 'A' : last);
    if (upper != 'K' && upper != 'M' && upper != 'G') return std::nullopt;
    suffix = std::string(1, upper);
    digits.remove_suffix(1);
  }
  const auto number = parse_unsigned(digits);
  if (!number || *number == 0 || *number > (1ULL << 40)) return std::nullopt;
  return fmt::format("{}{}", *number, suffix);
}

std::optional<std::uint64_t> parse_rate_pps(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && is_digit(text[digits])) ++digits;
  const auto number = parse_unsigned(text.substr(0, digits));
  const auto unit = text.substr(digits);
  constexpr std::uint64_t kMaxPps = 1'000'000'000'000ULL;  // a terabit of 64 B frames is ~1.5G
  if (!number || *number > kMaxPps) return std::nullopt;
  std::uint64_t factor = 0;
  if (unit.empty() || unit == "pps") {
    factor = 1;
  } else if (unit == "kpps") {
    factor = 1000;
  } else if (unit == "Mpps") {
    factor = 1000 * 1000;
  } else {
    return std::nullopt;
  }
  if (*number > kMaxPps / factor) return std::nullopt;
  return *number * factor;
}

bool is_env_name(std::string_view name) {
  if (name.empty() || is_digit(name.front())) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return is_alnum(c) || c == '_'; });
}

bool is_host_name(std::string_view host) {
  if (host.empty() || host.size() > 253 || host.front() == '-') return false;
  return std::all_of(host.begin(), host.end(), [](char c) {
    return is_alnum(c) || c == '.' || c == '-' || c == '_' || c == ':';
  });
}

bool is_user_name(std::string_view user) {
  if (user.empty() || user.size() > 32 || !(is_alpha(user.front()) || user.front() == '_')) {
    return false;
  }
  return std::all_of(user.begin(), user.end(),
                     [](char c) { return is_alnum(c) || c == '_' || c == '.' || c == '-'; });
}

bool is_image_reference(std::string_view name) {
  if (name.empty() || name.size() > 255 || !is_alnum(name.front())) return false;
  if (name.find("..") != std::string_view::npos) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return is_alnum(c) || c == '.' || c == '_' || c == '/' || c == ':' || c == '@' || c == '-';
  });
}

bool is_system_directory(std::string_view path) {
  // The Filesystem Hierarchy Standard's directories and their well-known children: what a
  // distribution, a package or a user owns.
  static constexpr std::array<std::string_view, 62> kSystem = {"/",
                                                               "/bin",
                                                               "/boot",
                                                               "/dev",
                                                               "/dev/shm",
                                                               "/dev/pts",
                                                               "/dev/mqueue",
                                                               "/dev/hugepages",
                                                               "/etc",
                                                               "/home",
                                                               "/lib",
                                                               "/lib32",
                                                               "/lib64",
                                                               "/libx32",
                                                               "/lost+found",
                                                               "/media",
                                                               "/mnt",
                                                               "/opt",
                                                               "/root",
                                                               "/run",
                                                               "/run/lock",
                                                               "/run/user",
                                                               "/run/systemd",
                                                               "/run/shm",
                                                               "/run/mount",
                                                               "/sbin",
                                                               "/srv",
                                                               "/tmp",
                                                               "/usr",
                                                               "/usr/bin",
                                                               "/usr/games",
                                                               "/usr/include",
                                                               "/usr/lib",
                                                               "/usr/lib32",
                                                               "/usr/lib64",
                                                               "/usr/libexec",
                                                               "/usr/libx32",
                                                               "/usr/local",
                                                               "/usr/local/bin",
                                                               "/usr/local/lib",
                                                               "/usr/local/sbin",
                                                               "/usr/local/share",
                                                               "/usr/local/etc",
                                                               "/usr/sbin",
                                                               "/usr/share",
                                                               "/usr/src",
                                                               "/var",
                                                               "/var/backups",
                                                               "/var/cache",
                                                               "/var/lib",
                                                               "/var/local",
                                                               "/var/lock",
                                                               "/var/log",
                                                               "/var/mail",
                                                               "/var/opt",
                                                               "/var/run",
                                                               "/var/spool",
                                                               "/var/tmp",
                                                               "/var/www",
                                                               "/etc/default",
                                                               "/usr/lib/x86_64-linux-gnu",
                                                               "/lib/x86_64-linux-gnu"};
  if (std::find(kSystem.begin(), kSystem.end(), path) != kSystem.end()) return true;
  // The kernel's file systems, whole.
  for (std::string_view root : {"/proc", "/sys"}) {
    if (path == root ||
        (path.starts_with(root) && path.size() > root.size() && path[root.size()] == '/')) {
      return true;
    }
  }
  // A user's home directory.
  if (path.starts_with("/home/") && path.find('/', 6) == std::string_view::npos) return true;
  return false;
}

std::uint32_t ipv4_bits(const std::string& dotted) {
  std::uint32_t value = 0;
  std::size_t start = 0;
  for (int i = 0; i < 4; ++i) {
    const auto end = dotted.find('.', start);
    value =
        (value << 8) | static_cast<std::uint32_t>(std::stoul(dotted.substr(start, end - start)));
    start = end + 1;
  }
  return value;
}

}  // namespace cnfctl::topology
