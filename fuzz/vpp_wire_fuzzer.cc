// VPP's binary API messages as they come from the socket (nf/vpp/vpp_wire.h): the input is the
// byte stream VPP would send, cut into frames by their 16-byte headers as ApiClient does; every
// frame's body (a truncated last one too) is copied into a buffer of exactly its size and given
// to every reply decoder.
// Properties: ASan sees no read beyond a body; decoders fail only with cnfctl::Error; the body
// length a header announces is its big-endian u32 at offset 8 (or an Error beyond the limit); a
// decoded reply encoded again field by field decodes to the same values.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "fuzz_check.h"
#include "nf/vpp/vpp_wire.h"

using cnfctl::Error;
using cnfctl::fuzz::check;
using namespace cnfctl::vpp;

namespace {

// A field of `size` bytes: the text (which may fill it, as a hostile VPP may send), then NULs.
void put_string(Bytes& out, const std::string& text, std::size_t size) {
  check(text.size() <= size && text.find('\0') == std::string::npos, "a decoded string fits", text);
  out.insert(out.end(), text.begin(), text.end());
  out.insert(out.end(), size - text.size(), std::uint8_t{0});
}
void put_u16(Bytes& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}
void put_u32(Bytes& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

// The body in a heap block of exactly its size, so that any read past it is an ASan report.
struct ExactBody {
  std::unique_ptr<std::uint8_t[]> bytes;
  std::size_t size;
  explicit ExactBody(std::span<const std::uint8_t> body)
      : bytes(new std::uint8_t[body.size()]), size(body.size()) {
    std::copy(body.begin(), body.end(), bytes.get());
  }
  std::span<const std::uint8_t> span() const { return {bytes.get(), size}; }
};

template <class Decode>
auto try_decode(Decode decode, std::span<const std::uint8_t> body)
    -> std::optional<decltype(decode(body))> {
  try {
    return decode(body);
  } catch (const Error& e) {
    check(!e.message().empty(), "a decoder error says something");
    return std::nullopt;
  }
}

void decode_all(std::span<const std::uint8_t> span) {
  if (auto header = try_decode(decode_reply_header, span)) {
    check(span.size() >= 6, "a reply header needs 6 bytes");
    check(header->id == ((span[0] << 8) | span[1]), "the id is the first u16");
  } else {
    check(span.size() < 6, "a reply header of 6 bytes or more decodes");
  }

  if (auto reply = try_decode(decode_sockclnt_create_reply, span)) {
    Bytes again;
    put_u16(again, kSockclntCreateReplyId);
    put_u32(again, 0);
    put_u32(again, reply->context);
    put_u32(again, static_cast<std::uint32_t>(reply->response));
    put_u32(again, reply->index);
    put_u16(again, static_cast<std::uint16_t>(reply->message_table.size()));
    for (const auto& [name, id] : reply->message_table) {
      put_u16(again, id);
      put_string(again, name, 64);
    }
    const ExactBody copy(again);
    auto twice = decode_sockclnt_create_reply(copy.span());
    check(twice.context == reply->context && twice.response == reply->response &&
              twice.index == reply->index && twice.message_table == reply->message_table,
          "sockclnt_create_reply re-encoded decodes the same");
  }

  if (auto reply = try_decode(decode_show_version_reply, span)) {
    Bytes again;
    put_u16(again, 0);
    put_u32(again, reply->context);
    put_u32(again, static_cast<std::uint32_t>(reply->retval));
    put_string(again, reply->version.program, 32);
    put_string(again, reply->version.version, 32);
    put_string(again, reply->version.build_date, 32);
    put_string(again, reply->version.build_directory, 256);
    const ExactBody copy(again);
    auto twice = decode_show_version_reply(copy.span());
    check(twice.context == reply->context && twice.retval == reply->retval &&
              twice.version.program == reply->version.program &&
              twice.version.version == reply->version.version &&
              twice.version.build_date == reply->version.build_date &&
              twice.version.build_directory == reply->version.build_directory,
          "show_version_reply re-encoded decodes the same");
  } else {
    check(span.size() < 2 + 4 + 4 + 32 * 3 + 256, "a long enough show_version_reply decodes");
  }

  if (auto reply = try_decode(decode_control_ping_reply, span)) {
    Bytes again;
    put_u16(again, 0);
    put_u32(again, reply->context);
    put_u32(again, static_cast<std::uint32_t>(reply->retval));
    put_u32(again, reply->client_index);
    put_u32(again, reply->vpe_pid);
    const ExactBody copy(again);
    auto twice = decode_control_ping_reply(copy.span());
    check(twice.context == reply->context && twice.retval == reply->retval &&
              twice.client_index == reply->client_index && twice.vpe_pid == reply->vpe_pid,
          "control_ping_reply re-encoded decodes the same");
  } else {
    check(span.size() < 18, "a long enough control_ping_reply decodes");
  }

  if (auto reply = try_decode(decode_sockclnt_delete_reply, span)) {
    check(span.size() >= 10, "sockclnt_delete_reply needs 10 bytes");
  } else {
    check(span.size() < 10, "a long enough sockclnt_delete_reply decodes");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> stream(data, size);
  while (stream.size() >= kFrameHeaderSize) {
    const ExactBody header_copy(stream.first(kFrameHeaderSize));
    std::span<const std::uint8_t, kFrameHeaderSize> header(header_copy.bytes.get(),
                                                           kFrameHeaderSize);
    const std::uint32_t announced = (std::uint32_t{stream[8]} << 24) |
                                    (std::uint32_t{stream[9]} << 16) |
                                    (std::uint32_t{stream[10]} << 8) | std::uint32_t{stream[11]};
    std::uint32_t length = 0;
    try {
      length = frame_body_length(header);
    } catch (const Error&) {
      check(announced > kMaxMessageLength, "only an oversized frame is refused");
      return 0;
    }
    check(length == announced, "the body length is the header's big-endian u32 at offset 8");
    stream = stream.subspan(kFrameHeaderSize);
    const auto body = stream.first(std::min<std::size_t>(length, stream.size()));
    stream = stream.subspan(body.size());
    const ExactBody copy(body);
    decode_all(copy.span());
  }
  // What is left (shorter than a header) is also given to the decoders as a body.
  decode_all(ExactBody(stream).span());
  return 0;
}
