#include "nf/vpp/vpp_wire.h"

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "common/error.h"
#include "support/vpp_replay_server.h"

namespace cnfctl::vpp {
namespace {

std::string recording_path() {
  return std::string(CNFCTL_SHARED_DIR) + "/reference/vpp/api-socket-show-version.json";
}

// The recorded stream of one direction, cut into messages (header stripped).
std::vector<Bytes> messages(bool from_client) {
  Bytes stream = testing::recorded_bytes(testing::load_recording(recording_path()), from_client);
  std::vector<Bytes> bodies;
  std::size_t offset = 0;
  while (offset + kFrameHeaderSize <= stream.size()) {
    std::array<std::uint8_t, kFrameHeaderSize> header{};
    std::copy_n(stream.begin() + static_cast<std::ptrdiff_t>(offset), kFrameHeaderSize,
                header.begin());
    std::uint32_t length = frame_body_length(header);
    auto begin = stream.begin() + static_cast<std::ptrdiff_t>(offset + kFrameHeaderSize);
    bodies.emplace_back(begin, begin + length);
    offset += kFrameHeaderSize + length;
  }
  EXPECT_EQ(offset, stream.size());
  return bodies;
}

TEST(VppWire, SockclntCreateEqualsVppPapisBytes) {
  auto recorded = testing::load_recording(recording_path());
  ASSERT_TRUE(recorded.front().from_client);
  EXPECT_EQ(frame(encode_sockclnt_create(124, "cnfctl-fixture")), recorded.front().bytes);
}

TEST(VppWire, RequestsEqualTheRecording) {
  auto sent = messages(true);
  ASSERT_EQ(sent.size(), 4u);
  EXPECT_EQ(encode_plain_request(0x344, 0x80000001, 1), sent[1]);  // show_version
  EXPECT_EQ(encode_plain_request(0x17, 0x80000001, 2), sent[2]);   // control_ping
  EXPECT_EQ(encode_sockclnt_delete(0x11, 0x80000001, 3, 0x80000001), sent[3]);
}

TEST(VppWire, DecodesTheRecordedReplies) {
  auto received = messages(false);
  ASSERT_EQ(received.size(), 4u);

  SockclntCreateReply create = decode_sockclnt_create_reply(received[0]);
  EXPECT_EQ(create.context, 124u);
  EXPECT_EQ(create.response, 0);
  EXPECT_EQ(create.index, 0x80000001u);
  EXPECT_EQ(create.message_table.size(), 841u);
  EXPECT_EQ(create.message_table.at(std::string(kShowVersion)), 836);
  EXPECT_EQ(create.message_table.at(std::string(kShowVersionReply)), 837);
  EXPECT_EQ(create.message_table.at(std::string(kControlPing)), 23);
  EXPECT_EQ(create.message_table.at("sockclnt_create_455fb9c4"), kSockclntCreateId);
  EXPECT_EQ(create.message_table.at(std::string(kSockclntCreateReply)), kSockclntCreateReplyId);

  ShowVersionReply version = decode_show_version_reply(received[1]);
  EXPECT_EQ(version.context, 1u);
  EXPECT_EQ(version.retval, 0);
  EXPECT_EQ(version.version.program, "vpe");
  EXPECT_EQ(version.version.version, "26.10-rc0~374-gb575ec2c56d");
  EXPECT_EQ(version.version.build_date, "2026-11-27T05:32:50");
  EXPECT_EQ(version.version.build_directory, "");

  ControlPingReply ping = decode_control_ping_reply(received[2]);
  EXPECT_EQ(ping.context, 2u);
  EXPECT_EQ(ping.retval, 0);
  EXPECT_EQ(ping.vpe_pid, 0x189au);

  SockclntDeleteReply bye = decode_sockclnt_delete_reply(received[3]);
  EXPECT_EQ(bye.context, 3u);
  EXPECT_EQ(bye.response, 1);
}

TEST(VppWire, TruncatedBodiesAreErrors) {
  auto received = messages(false);
  Bytes cut(received[1].begin(), received[1].begin() + 50);
  try {
    decode_show_version_reply(cut);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(e.describe().find("show_version_reply is truncated"), std::string::npos)
        << e.describe();
  }
  Bytes table(received[0].begin(), received[0].begin() + 100);
  EXPECT_THROW(decode_sockclnt_create_reply(table), Error);
  EXPECT_THROW(decode_reply_header(Bytes{0, 1}), Error);
}

TEST(VppWire, FrameHeaderAndLimits) {
  EXPECT_EQ(frame_header(0x46), (Bytes{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x46, 0, 0, 0, 0}));
  std::array<std::uint8_t, kFrameHeaderSize> huge{};
  huge[8] = 0x7f;
  EXPECT_THROW(frame_body_length(huge), Error);
  EXPECT_THROW(encode_sockclnt_create(1, ""), Error);
  EXPECT_THROW(encode_sockclnt_create(1, std::string(kMaxClientNameLength + 1, 'a')), Error);
  EXPECT_NO_THROW(encode_sockclnt_create(1, std::string(kMaxClientNameLength, 'a')));
}

}  // namespace
}  // namespace cnfctl::vpp
