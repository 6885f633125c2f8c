#include "nf/vpp/vpp_wire.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "common/error.h"

namespace cnfctl::vpp {
namespace {

// Field sizes of the messages decoded here.
constexpr std::size_t kClientNameSize = 64;
constexpr std::size_t kTableNameSize = 64;
constexpr std::size_t kVersionStringSize = 32;
constexpr std::size_t kBuildDirectorySize = 256;

}  // namespace

// --- fields ---

WireWriter& WireWriter::u8(std::uint8_t value) {
  bytes_.push_back(value);
  return *this;
}

WireWriter& WireWriter::u16(std::uint16_t value) {
  bytes_.push_back(static_cast<std::uint8_t>(value >> 8));
  bytes_.push_back(static_cast<std::uint8_t>(value));
  return *this;
}

WireWriter& WireWriter::u32(std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    bytes_.push_back(static_cast<std::uint8_t>(value >> shift));
  }
  return *this;
}

WireWriter& WireWriter::fixed_string(std::string_view text, std::size_t size) {
  if (text.size() >= size || text.find('\0') != std::string_view::npos) {
    throw Error::bad_input("VPP API", fmt::format("'{}' does not fit a string of {} bytes "
                                                  "(at most {} characters, no NUL)",
                                                  text, size, size - 1));
  }
  bytes_.insert(bytes_.end(), text.begin(), text.end());
  bytes_.insert(bytes_.end(), size - text.size(), std::uint8_t{0});
  return *this;
}

std::span<const std::uint8_t> WireReader::take(std::size_t size) {
  if (remaining() < size) {
    throw Error(fmt::format("VPP API: {} is truncated ({} bytes, needed {} more at offset {})",
                            message_, body_.size(), size - remaining(), offset_));
  }
  auto field = body_.subspan(offset_, size);
  offset_ += size;
  return field;
}

std::uint8_t WireReader::u8() {
  return take(1)[0];
}

std::uint16_t WireReader::u16() {
  auto b = take(2);
  return static_cast<std::uint16_t>((b[0] << 8) | b[1]);
}

std::uint32_t WireReader::u32() {
  auto b = take(4);
  return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) |
         std::uint32_t{b[3]};
}

std::int32_t WireReader::i32() {
  return static_cast<std::int32_t>(u32());
}

std::string WireReader::fixed_string(std::size_t size) {
  auto b = take(size);
  auto end = std::find(b.begin(), b.end(), std::uint8_t{0});
  return std::string(b.begin(), end);
}

// --- frames ---

Bytes frame_header(std::uint32_t body_length) {
  WireWriter header;
  header.u32(0).u32(0).u32(body_length).u32(0);  // ignored 8 bytes, length, gc mark
  return header.take();
}

Bytes frame(std::span<const std::uint8_t> body) {
  Bytes bytes = frame_header(static_cast<std::uint32_t>(body.size()));
  bytes.insert(bytes.end(), body.begin(), body.end());
  return bytes;
}

std::uint32_t frame_body_length(std::span<const std::uint8_t, kFrameHeaderSize> header) {
  WireReader reader(std::span<const std::uint8_t>(header).subspan(8), "frame header");
  std::uint32_t length = reader.u32();
  if (length > kMaxMessageLength) {
    throw Error(
        fmt::format("VPP API: a frame announces {} bytes, more than the {} accepted; "
                    "the stream is not VPP's socket API",
                    length, kMaxMessageLength));
  }
  return length;
}

ReplyHeader decode_reply_header(std::span<const std::uint8_t> body) {
  WireReader reader(body, "message");
  ReplyHeader header;
  header.id = reader.u16();
  header.context = reader.u32();
  return header;
}

// --- messages ---

Bytes encode_sockclnt_create(std::uint32_t context, std::string_view client_name) {
  if (client_name.empty() || client_name.size() > kMaxClientNameLength) {
    throw Error::bad_input(
        "VPP API client name",
        fmt::format("'{}' must be 1 to {} characters long", client_name, kMaxClientNameLength));
  }
  WireWriter writer;
  writer.u16(kSockclntCreateId).u32(context).fixed_string(client_name, kClientNameSize);
  return writer.take();
}

SockclntCreateReply decode_sockclnt_create_reply(std::span<const std::uint8_t> body) {
  WireReader reader(body, "sockclnt_create_reply");
  if (std::uint16_t id = reader.u16(); id != kSockclntCreateReplyId) {
    throw Error(fmt::format("VPP API: expected sockclnt_create_reply (id {}), got message id {}",
                            kSockclntCreateReplyId, id));
  }
  SockclntCreateReply reply;
  reader.u32();  // client_index: unused on the socket transport
  reply.context = reader.u32();
  reply.response = reader.i32();
  reply.index = reader.u32();
  std::uint16_t count = reader.u16();
  for (std::uint16_t i = 0; i < count; ++i) {
    std::uint16_t id = reader.u16();
    reply.message_table.insert_or_assign(reader.fixed_string(kTableNameSize), id);
  }
  return reply;
}

Bytes encode_plain_request(std::uint16_t id, std::uint32_t client_index, std::uint32_t context) {
  WireWriter writer;
  writer.u16(id).u32(client_index).u32(context);
  return writer.take();
}

Bytes encode_sockclnt_delete(std::uint16_t id, std::uint32_t client_index, std::uint32_t context,
                             std::uint32_t index) {
  WireWriter writer;
  writer.u16(id).u32(client_index).u32(context).u32(index);
  return writer.take();
}

ShowVersionReply decode_show_version_reply(std::span<const std::uint8_t> body) {
  WireReader reader(body, "show_version_reply");
  reader.u16();
  ShowVersionReply reply;
  reply.context = reader.u32();
  reply.retval = reader.i32();
  reply.version.program = reader.fixed_string(kVersionStringSize);
  reply.version.version = reader.fixed_string(kVersionStringSize);
  reply.version.build_date = reader.fixed_string(kVersionStringSize);
  reply.version.build_directory = reader.fixed_string(kBuildDirectorySize);
  return reply;
}

ControlPingReply decode_control_ping_reply(std::span<const std::uint8_t> body) {
  WireReader reader(body, "control_ping_reply");
  reader.u16();
  ControlPingReply reply;
  reply.context = reader.u32();
  reply.retval = reader.i32();
  reply.client_index = reader.u32();
  reply.vpe_pid = reader.u32();
  return reply;
}

SockclntDeleteReply decode_sockclnt_delete_reply(std::span<const std::uint8_t> body) {
  WireReader reader(body, "sockclnt_delete_reply");
  reader.u16();
  SockclntDeleteReply reply;
  reply.context = reader.u32();
  reply.response = reader.i32();
  return reply;
}

}  // namespace cnfctl::vpp
