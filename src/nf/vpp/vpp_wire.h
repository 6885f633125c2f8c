// The encoding of VPP's binary API over its socket transport (`socksvr`), as vpp_papi's
// vpp_transport_socket speaks it: every message is a 16-byte frame header (8 bytes VPP ignores,
// sent as zero; the body length, u32 big-endian; a gc mark, u32, zero) followed by the body. A
// body starts with the message id (u16); all numbers are big-endian; `string x[N]` is N bytes,
// NUL-padded. Only the messages cnfctl needs are here (memclnt.api: sockclnt_create/_delete,
// control_ping; vpe.api: show_version); their name_crc pins the layout decoded below.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cnfctl::vpp {

using Bytes = std::vector<std::uint8_t>;

inline constexpr std::size_t kFrameHeaderSize = 16;
/// The largest message body accepted from VPP; anything longer means a broken stream.
inline constexpr std::uint32_t kMaxMessageLength = 16u << 20;

/// The only ids VPP fixes: the client needs sockclnt_create before it has the message table
/// (vpp_papi hard-codes them the same way). Every other id comes from that table.
inline constexpr std::uint16_t kSockclntCreateId = 15;
inline constexpr std::uint16_t kSockclntCreateReplyId = 16;

/// name_crc of the messages spoken here; a VPP whose table lacks one has another layout.
inline constexpr std::string_view kSockclntCreateReply = "sockclnt_create_reply_35166268";
inline constexpr std::string_view kSockclntDelete = "sockclnt_delete_8ac76db6";
inline constexpr std::string_view kSockclntDeleteReply = "sockclnt_delete_reply_8f38b1ee";
inline constexpr std::string_view kShowVersion = "show_version_51077d14";
inline constexpr std::string_view kShowVersionReply = "show_version_reply_c919bde1";
inline constexpr std::string_view kControlPing = "control_ping_51077d14";
inline constexpr std::string_view kControlPingReply = "control_ping_reply_f6b0b8ca";

/// The longest client name sockclnt_create carries (string name[64], NUL-terminated).
inline constexpr std::size_t kMaxClientNameLength = 63;

/// Appends big-endian fields to a message body.
class WireWriter {
 public:
  WireWriter& u8(std::uint8_t value);
  WireWriter& u16(std::uint16_t value);
  WireWriter& u32(std::uint32_t value);
  /// `size` bytes: `text`, then NULs. Throws Error::bad_input("VPP API", ...) when `text` does
  /// not fit with a terminating NUL.
  WireWriter& fixed_string(std::string_view text, std::size_t size);
  Bytes take() { return std::move(bytes_); }

 private:
  Bytes bytes_;
};

/// Reads big-endian fields from a message body; `message` names it in errors.
class WireReader {
 public:
  WireReader(std::span<const std::uint8_t> body, std::string_view message)
      : body_(body), message_(message) {}
  /// Each reader throws Error "VPP API: <message> is truncated (...)" when the body ends first.
  std::uint8_t u8();
  std::uint16_t u16();
  std::uint32_t u32();
  std::int32_t i32();
  /// A `string x[size]` field: the bytes before the first NUL.
  std::string fixed_string(std::size_t size);
  /// `size` bytes of fields not decoded.
  void skip(std::size_t size) { take(size); }
  std::size_t remaining() const { return body_.size() - offset_; }

 private:
  std::span<const std::uint8_t> take(std::size_t size);

  std::span<const std::uint8_t> body_;
  std::string_view message_;
  std::size_t offset_ = 0;
};

/// The frame header for a body of `body_length` bytes.
Bytes frame_header(std::uint32_t body_length);
/// The header followed by `body`.
Bytes frame(std::span<const std::uint8_t> body);
/// The body length a frame header announces. Throws Error when it exceeds kMaxMessageLength.
std::uint32_t frame_body_length(std::span<const std::uint8_t, kFrameHeaderSize> header);

/// The id (first u16) and context (next u32) every reply starts with. Throws Error when the
/// body is shorter than 6 bytes.
struct ReplyHeader {
  std::uint16_t id = 0;
  std::uint32_t context = 0;
};
ReplyHeader decode_reply_header(std::span<const std::uint8_t> body);

/// sockclnt_create { u32 context; string name[64]; } with the fixed id 15.
/// Throws Error::bad_input when `client_name` is empty or longer than kMaxClientNameLength.
Bytes encode_sockclnt_create(std::uint32_t context, std::string_view client_name);

struct SockclntCreateReply {
  std::uint32_t context = 0;
  std::int32_t response = 0;  // negative: VPP refused the client
  std::uint32_t index = 0;    // the client index every later request carries
  std::map<std::string, std::uint16_t, std::less<>> message_table;  // name_crc -> id
};
/// sockclnt_create_reply { u32 client_index; u32 context; i32 response; u32 index; u16 count;
/// { u16 index; string name[64]; } message_table[count]; }. Throws Error when the body is not
/// one (wrong id, truncated).
SockclntCreateReply decode_sockclnt_create_reply(std::span<const std::uint8_t> body);

/// A request without arguments ({ u32 client_index; u32 context; }): show_version,
/// control_ping. Never fails.
Bytes encode_plain_request(std::uint16_t id, std::uint32_t client_index, std::uint32_t context);

/// sockclnt_delete { u32 client_index; u32 context; u32 index; }. Never fails.
Bytes encode_sockclnt_delete(std::uint16_t id, std::uint32_t client_index, std::uint32_t context,
                             std::uint32_t index);

/// What show_version tells.
struct VppVersion {
  std::string program;          // "vpe"
  std::string version;          // "26.10-rc0~374-gb575ec2c56d"
  std::string build_date;       // "2026-11-27T05:32:50"
  std::string build_directory;  // often empty
};
struct ShowVersionReply {
  std::uint32_t context = 0;
  std::int32_t retval = 0;
  VppVersion version;
};
/// show_version_reply { u32 context; i32 retval; string program[32]; string version[32];
/// string build_date[32]; string build_directory[256]; }. Throws Error when truncated.
ShowVersionReply decode_show_version_reply(std::span<const std::uint8_t> body);

struct ControlPingReply {
  std::uint32_t context = 0;
  std::int32_t retval = 0;
  std::uint32_t client_index = 0;
  std::uint32_t vpe_pid = 0;
};
/// control_ping_reply { u32 context; i32 retval; u32 client_index; u32 vpe_pid; }.
/// Throws Error when truncated.
ControlPingReply decode_control_ping_reply(std::span<const std::uint8_t> body);

struct SockclntDeleteReply {
  std::uint32_t context = 0;
  std::int32_t response = 0;
};
/// sockclnt_delete_reply { u32 context; i32 response; }. Throws Error when truncated.
SockclntDeleteReply decode_sockclnt_delete_reply(std::span<const std::uint8_t> body);

}  // namespace cnfctl::vpp
