// The frames cnfctl-gen sends: Ethernet / IPv4 / UDP with a 16-byte stamp at the start of the UDP
// payload. Pure byte layout, no DPDK, so it is tested alone.
//
//   offset 42  u16 magic 0xC5F7 (network order)
//          44  u8  trial id (0: warm-up, never counted)
//          45  u8  stream id (which sender port; the receiver accounts per stream)
//          46  u32 sequence number within the stream and trial (host order)
//          50  u64 TX timestamp, TSC cycles of the sending host (host order)
//          58  u32 lateness: TX timestamp minus the frame's pacing deadline, in cycles, saturated
//                  (0 at full rate, where frames have no deadline); timestamp - lateness is when
//                  the frame was due, which a policer (forward --limit) meters against
//
// A frame is `size` bytes as handed to memif (memif has no FCS): 64 is the smallest. Flows vary
// the IPv4 source and destination and both UDP ports together, so RSS and flow tables see
// `flows` distinct 5-tuples.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace cnfctl::trafficgen {

inline constexpr std::size_t kHeadersLen = 14 + 20 + 8;  // Ethernet + IPv4 + UDP
inline constexpr std::size_t kStampLen = 20;
inline constexpr std::uint16_t kMagic = 0xC5F7;
inline constexpr std::uint32_t kMinFrameSize = 64;
inline constexpr std::uint32_t kMaxFrameSize = 9000;
inline constexpr std::uint32_t kMaxFlows = 65536;

/// CSIT's IMIX: 7 x 64, 4 x 570, 1 x 1518 bytes, interleaved in this order of 12.
inline constexpr std::uint16_t kImixPattern[12] = {64,   570, 64,  64, 570, 64,
                                                   1518, 64,  570, 64, 570, 64};

struct Stamp {
  std::uint8_t trial = 0;
  std::uint8_t stream = 0;
  std::uint32_t seq = 0;
  std::uint64_t tsc = 0;
  std::uint32_t late = 0;  // cycles after its deadline the frame was sent

  /// When the frame was due: its deadline in the sender's TSC.
  std::uint64_t due() const { return tsc - late; }
};

/// Writes `stamp` at `frame + kHeadersLen` (the frame must be at least 62 bytes).
void write_stamp(std::uint8_t* frame, const Stamp& stamp);
/// Reads the stamp of a frame of `len` bytes; false when it is not one of ours (too short, not
/// IPv4/UDP without options, wrong magic).
bool read_stamp(const std::uint8_t* frame, std::size_t len, Stamp* stamp);

/// What a stream sends: its frame sizes (one, or the IMIX pattern) and flows.
struct StreamShape {
  std::vector<std::uint16_t> sizes = {64};  // frame i has size sizes[i % sizes.size()]
  std::uint32_t flows = 1;                  // frame i belongs to flow i % flows
  int direction = 0;                        // 0 or 1: which address plan (1 swaps src and dst)
  std::uint8_t src_mac[6] = {0x02, 0, 0, 0, 0, 0x01};
  std::uint8_t dst_mac[6] = {0x02, 0, 0, 0, 0, 0x02};
};

/// The headers of every (size, flow) of a stream, built once per trial: sending frame i copies
/// kHeadersLen bytes of template(i) and writes its stamp.
class FrameTemplates {
 public:
  explicit FrameTemplates(const StreamShape& shape);

  /// The cycle after which frames repeat: sizes x flows (each a whole multiple is fine).
  std::uint64_t period() const { return period_; }
  std::uint16_t size_of(std::uint64_t i) const { return sizes_[i % sizes_.size()]; }
  /// The headers of frame i (kHeadersLen bytes).
  const std::uint8_t* headers_of(std::uint64_t i) const {
    const std::uint64_t s = i % sizes_.size();
    const std::uint64_t f = i % flows_;
    return &bytes_[(s * flows_ + f) * kHeadersLen];
  }
  std::uint16_t max_size() const;

 private:
  std::vector<std::uint16_t> sizes_;
  std::uint64_t flows_;
  std::uint64_t period_;
  std::vector<std::uint8_t> bytes_;
};

/// The IPv4 header checksum of `len` bytes (for tests and templates).
std::uint16_t ipv4_checksum(const std::uint8_t* header, std::size_t len);

}  // namespace cnfctl::trafficgen
