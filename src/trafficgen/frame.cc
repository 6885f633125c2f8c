#include "trafficgen/frame.h"

#include <algorithm>
#include <cstring>
#include <numeric>

namespace cnfctl::trafficgen {

namespace {

void put16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
void put32(std::uint8_t* p, std::uint32_t v) {
  put16(p, static_cast<std::uint16_t>(v >> 16));
  put16(p + 2, static_cast<std::uint16_t>(v));
}
std::uint16_t get16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

// Addresses of flow f: 16.0.0.0 + f → 48.0.0.0 + f, UDP ports 1024 + f % 60000 both ways (the
// TRex defaults CSIT uses); direction 1 swaps source and destination.
void build_headers(std::uint8_t* h, const StreamShape& shape, std::uint16_t size,
                   std::uint32_t flow) {
  std::memset(h, 0, kHeadersLen);
  std::memcpy(h, shape.dst_mac, 6);
  std::memcpy(h + 6, shape.src_mac, 6);
  put16(h + 12, 0x0800);
  std::uint8_t* ip = h + 14;
  ip[0] = 0x45;
  put16(ip + 2, static_cast<std::uint16_t>(size - 14));
  ip[8] = 64;  // TTL
  ip[9] = 17;  // UDP
  const std::uint32_t a = (16U << 24) + 1 + flow;
  const std::uint32_t b = (48U << 24) + 1 + flow;
  put32(ip + 12, shape.direction == 0 ? a : b);
  put32(ip + 16, shape.direction == 0 ? b : a);
  put16(ip + 10, ipv4_checksum(ip, 20));
  std::uint8_t* udp = ip + 20;
  const auto port = static_cast<std::uint16_t>(1024 + flow % 60000);
  put16(udp, port);
  put16(udp + 2, port);
  put16(udp + 4, static_cast<std::uint16_t>(size - 34));
  // UDP checksum 0: none (allowed for IPv4); the stamp changes every frame.
}

}  // namespace

std::uint16_t ipv4_checksum(const std::uint8_t* header, std::size_t len) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i + 1 < len; i += 2) {
    if (i == 10) continue;  // the checksum field itself
    sum += get16(header + i);
  }
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

void write_stamp(std::uint8_t* frame, const Stamp& stamp) {
  std::uint8_t* p = frame + kHeadersLen;
  put16(p, kMagic);
  p[2] = stamp.trial;
  p[3] = stamp.stream;
  std::memcpy(p + 4, &stamp.seq, 4);
  std::memcpy(p + 8, &stamp.tsc, 8);
  std::memcpy(p + 16, &stamp.late, 4);
}

bool read_stamp(const std::uint8_t* frame, std::size_t len, Stamp* stamp) {
  if (len < kHeadersLen + kStampLen) return false;
  if (get16(frame + 12) != 0x0800 || frame[14] != 0x45 || frame[23] != 17) return false;
  const std::uint8_t* p = frame + kHeadersLen;
  if (get16(p) != kMagic) return false;
  stamp->trial = p[2];
  stamp->stream = p[3];
  std::memcpy(&stamp->seq, p + 4, 4);
  std::memcpy(&stamp->tsc, p + 8, 8);
  std::memcpy(&stamp->late, p + 16, 4);
  if (stamp->late > stamp->tsc) stamp->late = 0;  // hostile bytes: never a due time before 0
  return true;
}

FrameTemplates::FrameTemplates(const StreamShape& shape)
    : sizes_(shape.sizes.empty() ? std::vector<std::uint16_t>{64} : shape.sizes),
      flows_(std::max<std::uint32_t>(shape.flows, 1)),
      period_(std::lcm(static_cast<std::uint64_t>(sizes_.size()), flows_)),
      bytes_(sizes_.size() * flows_ * kHeadersLen) {
  for (std::size_t s = 0; s < sizes_.size(); ++s) {
    for (std::uint64_t f = 0; f < flows_; ++f) {
      build_headers(&bytes_[(s * flows_ + f) * kHeadersLen], shape, sizes_[s],
                    static_cast<std::uint32_t>(f));
    }
  }
}

std::uint16_t FrameTemplates::max_size() const {
  return *std::max_element(sizes_.begin(), sizes_.end());
}

}  // namespace cnfctl::trafficgen
