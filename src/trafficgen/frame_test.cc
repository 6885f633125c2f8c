#include "trafficgen/frame.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

namespace cnfctl::trafficgen {
namespace {

TEST(Frame, StampRoundTrip) {
  FrameTemplates t(StreamShape{});
  std::vector<std::uint8_t> frame(64);
  std::copy(t.headers_of(0), t.headers_of(0) + kHeadersLen, frame.begin());
  Stamp in{7, 1, 0xdeadbeef, 0x1122334455667788ULL, 0x99aabbcc};
  write_stamp(frame.data(), in);
  Stamp out;
  ASSERT_TRUE(read_stamp(frame.data(), frame.size(), &out));
  EXPECT_EQ(out.trial, 7);
  EXPECT_EQ(out.stream, 1);
  EXPECT_EQ(out.seq, 0xdeadbeefU);
  EXPECT_EQ(out.tsc, 0x1122334455667788ULL);
  EXPECT_EQ(out.late, 0x99aabbccU);
  EXPECT_EQ(out.due(), 0x1122334455667788ULL - 0x99aabbccULL);
  EXPECT_LE(kHeadersLen + kStampLen, kMinFrameSize);  // the smallest frame carries the stamp
}

TEST(Frame, ALatenessBeyondTheTimestampReadsAsZero) {
  FrameTemplates t(StreamShape{});
  std::vector<std::uint8_t> frame(64);
  std::copy(t.headers_of(0), t.headers_of(0) + kHeadersLen, frame.begin());
  write_stamp(frame.data(), Stamp{1, 0, 5, 100, 1000});
  Stamp out;
  ASSERT_TRUE(read_stamp(frame.data(), frame.size(), &out));
  EXPECT_EQ(out.late, 0U);
  EXPECT_EQ(out.due(), 100U);
}

TEST(Frame, ForeignFramesAreRejected) {
  std::vector<std::uint8_t> frame(64, 0);
  Stamp out;
  EXPECT_FALSE(read_stamp(frame.data(), frame.size(), &out));
  FrameTemplates t(StreamShape{});
  std::copy(t.headers_of(0), t.headers_of(0) + kHeadersLen, frame.begin());
  EXPECT_FALSE(read_stamp(frame.data(), frame.size(), &out));  // no magic yet
  write_stamp(frame.data(), Stamp{});
  EXPECT_TRUE(read_stamp(frame.data(), frame.size(), &out));
  EXPECT_FALSE(read_stamp(frame.data(), kHeadersLen + kStampLen - 1, &out));  // too short
}

TEST(Frame, HeadersAreValidIpv4Udp) {
  StreamShape shape;
  shape.sizes = {64, 1518};
  FrameTemplates t(shape);
  for (std::uint64_t i = 0; i < 2; ++i) {
    const std::uint8_t* h = t.headers_of(i);
    const std::uint16_t size = t.size_of(i);
    EXPECT_EQ(h[12], 0x08);
    EXPECT_EQ(h[13], 0x00);
    EXPECT_EQ((h[16] << 8 | h[17]), size - 14);  // IPv4 total length
    EXPECT_EQ((h[38] << 8 | h[39]), size - 34);  // UDP length
    EXPECT_EQ((h[24] << 8 | h[25]), ipv4_checksum(h + 14, 20));
  }
}

TEST(Frame, FlowsAreDistinctFiveTuples) {
  StreamShape shape;
  shape.flows = 1000;
  FrameTemplates t(shape);
  std::set<std::vector<std::uint8_t>> tuples;
  for (std::uint64_t i = 0; i < 2000; ++i) {
    const std::uint8_t* h = t.headers_of(i);
    tuples.insert(std::vector<std::uint8_t>(h + 26, h + 38));  // src, dst, ports
  }
  EXPECT_EQ(tuples.size(), 1000U);
}

TEST(Frame, DirectionOneSwapsAddresses) {
  StreamShape a, b;
  b.direction = 1;
  FrameTemplates ta(a), tb(b);
  EXPECT_TRUE(std::equal(ta.headers_of(0) + 26, ta.headers_of(0) + 30, tb.headers_of(0) + 30));
}

TEST(Frame, ImixIsSevenFourOne) {
  int n64 = 0, n570 = 0, n1518 = 0;
  for (auto s : kImixPattern) {
    n64 += s == 64;
    n570 += s == 570;
    n1518 += s == 1518;
  }
  EXPECT_EQ(n64, 7);
  EXPECT_EQ(n570, 4);
  EXPECT_EQ(n1518, 1);
}

TEST(Frame, ChecksumOfAKnownHeader) {
  // RFC 1071 example header (Wikipedia's IPv4 checksum example): checksum 0xb861.
  const std::uint8_t h[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                              0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  EXPECT_EQ(ipv4_checksum(h, 20), 0xb861);
}

}  // namespace
}  // namespace cnfctl::trafficgen
