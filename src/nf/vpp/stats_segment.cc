#include "nf/vpp/stats_segment.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "common/error.h"

namespace cnfctl::vpp {

namespace {

constexpr std::size_t kHeaderSize = 40;      // version, base, epoch, in_progress, directory
constexpr std::size_t kEntrySize = 144;      // type (+pad), union, name[128]
constexpr std::size_t kEntryNameSize = 128;  // VLIB_STATS_MAX_NAME_SZ
constexpr std::size_t kVecHeaderSize = 8;    // vec_header_t: u32 len, then 4 bytes
constexpr int kMaxReadTries = 1000;
constexpr std::chrono::microseconds kUpdateWait{100};

// A malformed segment: not a transient state of an update.
struct SegmentError {
  std::string what;
};

class SegmentView {
 public:
  explicit SegmentView(std::span<const std::byte> segment) : seg_(segment) {
    if (seg_.size() < kHeaderSize) throw SegmentError{"smaller than its header"};
    base_ = header(8);
  }

  // Header fields are re-read from memory every time: VPP updates them while we read.
  std::uint64_t header(std::size_t offset) const {
    return *reinterpret_cast<const volatile std::uint64_t*>(seg_.data() + offset);
  }
  std::uint64_t epoch() const { return header(16); }
  bool in_progress() const { return header(24) != 0; }
  std::uint64_t directory() const { return offset_of(header(32), "directory"); }

  template <typename T>
  T at(std::uint64_t offset) const {
    if (offset > seg_.size() || seg_.size() - offset < sizeof(T)) {
      throw SegmentError{
          fmt::format("read at offset {} past the end ({} bytes)", offset, seg_.size())};
    }
    T value;
    std::memcpy(&value, seg_.data() + offset, sizeof(T));
    return value;
  }

  // VPP's pointer -> offset in the mapping.
  std::uint64_t offset_of(std::uint64_t pointer, std::string_view what) const {
    if (pointer < base_ || pointer - base_ >= seg_.size()) {
      throw SegmentError{fmt::format("{} pointer {:#x} is outside the segment", what, pointer)};
    }
    return pointer - base_;
  }

  // The element count of the vector at `offset`, checked against the mapping.
  std::uint32_t vec_len(std::uint64_t offset, std::size_t element_size) const {
    if (offset < kVecHeaderSize) throw SegmentError{"vector without a header"};
    const auto n = at<std::uint32_t>(offset - kVecHeaderSize);
    if (static_cast<std::uint64_t>(n) * element_size > seg_.size() - offset) {
      throw SegmentError{fmt::format("vector of {} elements overruns the segment", n)};
    }
    return n;
  }

  std::string string_at(std::uint64_t offset, std::size_t max) const {
    std::string s;
    for (std::size_t i = 0; i < max; ++i) {
      const char c = at<char>(offset + i);
      if (c == '\0') break;
      s += c;
    }
    return s;
  }

 private:
  std::span<const std::byte> seg_;
  std::uint64_t base_ = 0;
};

// Per-thread vectors of counters, summed element by element. `element_size` is 8 (simple) or
// 16 (combined: packets then bytes; packets are kept).
std::vector<std::uint64_t> sum_threads(const SegmentView& v, std::uint64_t pointer,
                                       std::size_t element_size, std::string_view name) {
  std::vector<std::uint64_t> sum;
  if (pointer == 0) return sum;
  const auto threads_at = v.offset_of(pointer, name);
  const auto threads = v.vec_len(threads_at, 8);
  for (std::uint32_t t = 0; t < threads; ++t) {
    const auto data = v.at<std::uint64_t>(threads_at + 8ull * t);
    if (data == 0) continue;
    const auto at = v.offset_of(data, name);
    const auto n = v.vec_len(at, element_size);
    if (sum.size() < n) sum.resize(n, 0);
    for (std::uint32_t i = 0; i < n; ++i) sum[i] += v.at<std::uint64_t>(at + element_size * i);
  }
  return sum;
}

std::vector<std::string> names_at(const SegmentView& v, std::uint64_t pointer) {
  std::vector<std::string> names;
  if (pointer == 0) return names;
  const auto at = v.offset_of(pointer, "/if/names");
  const auto n = v.vec_len(at, 8);
  for (std::uint32_t i = 0; i < n; ++i) {
    const auto p = v.at<std::uint64_t>(at + 8ull * i);
    if (p == 0) {
      names.emplace_back();
      continue;
    }
    const auto s = v.offset_of(p, "/if/names");
    names.push_back(v.string_at(s, v.vec_len(s, 1)));
  }
  return names;
}

// One element of the simple counter vector that directory entry `target` holds, summed over
// threads; the vectors are summed once per target (`summed`). 0 when the target is not a simple
// counter vector or has no such element (an entry being removed).
std::uint64_t symlinked(const SegmentView& v, std::uint64_t dir, std::uint32_t entries,
                        std::uint32_t target, std::uint32_t element,
                        std::map<std::uint32_t, std::vector<std::uint64_t>>& summed) {
  if (target >= entries) return 0;
  auto it = summed.find(target);
  if (it == summed.end()) {
    const auto e = dir + kEntrySize * target;
    std::vector<std::uint64_t> sum;
    if (static_cast<StatType>(v.at<std::uint32_t>(e)) == StatType::kCounterVectorSimple) {
      sum = sum_threads(v, v.at<std::uint64_t>(e + 8), 8, v.string_at(e + 16, kEntryNameSize));
    }
    it = summed.emplace(target, std::move(sum)).first;
  }
  return element < it->second.size() ? it->second[element] : 0;
}

StatsSnapshot read_once(const SegmentView& v) {
  StatsSnapshot snap;
  const auto dir = v.directory();
  const auto entries = v.vec_len(dir, kEntrySize);
  std::map<std::uint32_t, std::vector<std::uint64_t>> summed;  // symlink targets
  for (std::uint32_t i = 0; i < entries; ++i) {
    const auto e = dir + kEntrySize * i;
    const auto type = static_cast<StatType>(v.at<std::uint32_t>(e));
    const auto value = v.at<std::uint64_t>(e + 8);
    const std::string name = v.string_at(e + 16, kEntryNameSize);
    const bool interface = name.rfind("/if/", 0) == 0;
    const bool error = name.rfind("/err/", 0) == 0;
    const bool ipsec_sa = name == kIpsecSaCounter;
    if (!interface && !error && !ipsec_sa) continue;
    switch (type) {
      case StatType::kNameVector:
        if (name == "/if/names") snap.interface_names = names_at(v, value);
        break;
      case StatType::kCounterVectorSimple: {
        auto sum = sum_threads(v, value, 8, name);
        if (error) {
          std::uint64_t total = 0;
          for (auto x : sum) total += x;
          if (total != 0) snap.errors[name] = total;
        } else {
          snap.simple[name] = std::move(sum);
        }
        break;
      }
      case StatType::kSymlink:
        // Since VPP 22.10 every /err/<node>/<reason> is a symlink into one simple counter
        // vector ("/node/errors"): index1 is that vector's directory entry, index2 the element.
        if (error) {
          const auto count = symlinked(v, dir, entries, static_cast<std::uint32_t>(value),
                                       static_cast<std::uint32_t>(value >> 32), summed);
          if (count != 0) snap.errors[name] = count;
        }
        break;
      case StatType::kCounterVectorCombined:
        if (interface || ipsec_sa) snap.combined_packets[name] = sum_threads(v, value, 16, name);
        break;
      default:
        break;
    }
  }
  return snap;
}

std::uint64_t element(const std::map<std::string, std::vector<std::uint64_t>>& m,
                      const std::string& counter, int index) {
  auto it = m.find(counter);
  if (it == m.end() || index < 0 || static_cast<std::size_t>(index) >= it->second.size()) return 0;
  return it->second[static_cast<std::size_t>(index)];
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

Error socket_error(const std::string& path, std::string what) {
  return Error(std::move(what)).at("VPP stats socket " + path);
}

}  // namespace

int StatsSnapshot::interface_index(std::string_view name) const {
  for (std::size_t i = 0; i < interface_names.size(); ++i) {
    if (interface_names[i] == name) return static_cast<int>(i);
  }
  return -1;
}

std::uint64_t StatsSnapshot::simple_at(const std::string& counter, int index) const {
  return element(simple, counter, index);
}

std::uint64_t StatsSnapshot::packets_at(const std::string& counter, int index) const {
  return element(combined_packets, counter, index);
}

StatsSnapshot read_stats(std::span<const std::byte> segment) {
  try {
    const SegmentView v(segment);
    for (int attempt = 0; attempt < kMaxReadTries; ++attempt) {
      const auto epoch = v.epoch();
      if (v.in_progress()) {
        std::this_thread::sleep_for(kUpdateWait);
        continue;
      }
      try {
        auto snap = read_once(v);
        if (!v.in_progress() && v.epoch() == epoch) return snap;
      } catch (const SegmentError&) {
        // A pointer read while VPP rebuilt the directory: try again; else it is malformed.
        if (!v.in_progress() && v.epoch() == epoch) throw;
      }
    }
    throw Error(
        fmt::format("the VPP stats segment stayed in an update for {} reads", kMaxReadTries));
  } catch (const SegmentError& e) {
    throw Error("malformed VPP stats segment: " + e.what);
  }
}

StatsSnapshot read_stats_socket(const std::string& socket_path, std::chrono::milliseconds timeout) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof(addr.sun_path)) {
    throw socket_error(socket_path, "the path is too long for a Unix socket");
  }
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  Fd sock(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  if (sock.get() < 0) throw socket_error(socket_path, fmt::format("socket: {}", strerror(errno)));
  if (::connect(sock.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    throw socket_error(socket_path, fmt::format("connect: {}", strerror(errno)));
  }
  pollfd p{sock.get(), POLLIN, 0};
  const int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
  if (ready <= 0) {
    throw socket_error(socket_path, ready == 0
                                        ? fmt::format("no descriptor within {} ms", timeout.count())
                                        : fmt::format("poll: {}", strerror(errno)));
  }
  char byte = 0;
  iovec io{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &io;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  if (::recvmsg(sock.get(), &msg, MSG_CMSG_CLOEXEC) < 0) {
    throw socket_error(socket_path, fmt::format("recvmsg: {}", strerror(errno)));
  }
  int raw = -1;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      std::memcpy(&raw, CMSG_DATA(c), sizeof(raw));
    }
  }
  if (raw < 0) throw socket_error(socket_path, "VPP passed no segment descriptor");
  Fd segment_fd(raw);
  struct stat st {};
  if (::fstat(segment_fd.get(), &st) != 0 || st.st_size <= 0) {
    throw socket_error(socket_path, "the segment descriptor has no size");
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, segment_fd.get(), 0);
  if (map == MAP_FAILED) throw socket_error(socket_path, fmt::format("mmap: {}", strerror(errno)));
  try {
    auto snap = read_stats({static_cast<const std::byte*>(map), size});
    ::munmap(map, size);
    return snap;
  } catch (Error& e) {
    ::munmap(map, size);
    throw e.at("VPP stats socket " + socket_path);
  }
}

}  // namespace cnfctl::vpp
