// VPP's stats segment: the shared memory where VPP keeps every counter (interfaces, errors,
// nodes), read without asking VPP anything. VPP passes the segment's file descriptor over its
// stats socket (SOCK_SEQPACKET, SCM_RIGHTS); the client maps it read-only and walks the
// directory. Layout (VPP's src/vlib/stats/shared.h, vppinfra vectors):
//   header:    u64 version, void* base (VPP's address of the segment), u64 epoch,
//              u64 in_progress, entry* directory_vector
//   entry:     u32 type, 4 bytes padding, u64 union {index | value | pointer}, char name[128]
//   vector:    data pointer p, element count u32 at p - 8
// Pointers are VPP's addresses: p - base is the offset in the mapping. A reader copies what it
// needs while in_progress is 0 and retries when the epoch changed meanwhile.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cnfctl::vpp {

/// The stats segment's directory entry types (stat_directory_type_t).
enum class StatType : std::uint32_t {
  kIllegal = 0,
  kScalarIndex = 1,
  kCounterVectorSimple = 2,
  kCounterVectorCombined = 3,
  kNameVector = 4,
  kEmpty = 5,
  kSymlink = 6,
};

/// The IPsec SAs' combined counter (packets and bytes each SA protected), by SA stat index.
inline constexpr const char* kIpsecSaCounter = "/net/ipsec/sa";

/// What read_stats() copied out of a segment. Counter vectors are summed over VPP's threads.
struct StatsSnapshot {
  /// /if/names: interface names by sw_if_index ("local0", "memif1/1"); "" for freed indexes.
  std::vector<std::string> interface_names;
  /// Simple counter vectors ("/if/drops", "/if/rx-miss"), by index.
  std::map<std::string, std::vector<std::uint64_t>> simple;
  /// Combined counter vectors ("/if/rx", "/if/tx", kIpsecSaCounter): packets by index (bytes
  /// are not kept).
  std::map<std::string, std::vector<std::uint64_t>> combined_packets;
  /// /err/<node>/<reason>: the error counters, each summed over threads and indexes; only
  /// non-zero ones are kept. Since VPP 22.10 each is a symlink (index1: the directory entry of
  /// the simple counter vector "/node/errors", index2: its element); older VPPs made each a
  /// simple counter vector of its own. Both are read.
  std::map<std::string, std::uint64_t> errors;

  /// The sw_if_index of `name`, or -1.
  int interface_index(std::string_view name) const;
  /// simple[counter][index], 0 when absent. Never fails.
  std::uint64_t simple_at(const std::string& counter, int index) const;
  /// combined_packets[counter][index], 0 when absent. Never fails.
  std::uint64_t packets_at(const std::string& counter, int index) const;
};

/// Copies the interface counters (/if/...), the IPsec SA counters, interface names and error
/// counters (/err/...) out of a mapped segment. `segment` is the whole mapping. Throws
/// cnfctl::Error when the segment is malformed (a pointer or vector outside the mapping, no
/// directory) or stays in an update for longer than a few thousand tries.
StatsSnapshot read_stats(std::span<const std::byte> segment);

/// Connects to VPP's stats socket at `socket_path`, receives the segment's descriptor, maps it,
/// reads it with read_stats() and unmaps it. Throws cnfctl::Error (naming the socket) when the
/// socket does not answer within `timeout`, passes no descriptor, or as read_stats().
StatsSnapshot read_stats_socket(const std::string& socket_path, std::chrono::milliseconds timeout);

}  // namespace cnfctl::vpp
