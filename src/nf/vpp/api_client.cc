#include "nf/vpp/api_client.h"

#include <fmt/format.h>

#include <array>
#include <utility>

#include "common/error.h"

namespace cnfctl::vpp {
namespace {

// The context of sockclnt_create. Any value works; this is the one vpp_papi sends, which keeps
// the bytes identical to its session.
constexpr std::uint32_t kCreateContext = 124;

constexpr std::string_view kWhat = "VPP API socket";

// "show_version_51077d14" -> "show_version_".
std::string_view name_without_crc(std::string_view name_crc) {
  auto underscore = name_crc.rfind('_');
  return underscore == std::string_view::npos ? name_crc : name_crc.substr(0, underscore + 1);
}

}  // namespace

ApiClient::ApiClient(UnixStream stream, ApiClientOptions options)
    : stream_(std::move(stream)), options_(std::move(options)) {}

ApiClient ApiClient::connect(const std::string& socket_path, const ApiClientOptions& options) {
  Bytes create = encode_sockclnt_create(kCreateContext, options.client_name);
  ApiClient client(UnixStream::connect(socket_path, std::string(kWhat),
                                       Deadline::after(options.connect_timeout)),
                   options);

  auto deadline = Deadline::after(options.reply_timeout);
  client.stream_.send_all(frame(create), "sockclnt_create", deadline);
  Bytes body = client.read_message("the sockclnt_create reply", deadline);
  SockclntCreateReply reply;
  try {
    reply = decode_sockclnt_create_reply(body);
  } catch (Error& e) {
    throw e.at(fmt::format("{} {}", kWhat, socket_path));
  }
  if (reply.response < 0) {
    throw Error(fmt::format("{} {}: VPP refused client '{}' (sockclnt_create response {})", kWhat,
                            socket_path, options.client_name, reply.response));
  }
  client.client_index_ = reply.index;
  client.message_table_ = std::move(reply.message_table);
  return client;
}

std::optional<std::uint16_t> ApiClient::find_message_id(std::string_view name_crc) const {
  auto it = message_table_.find(name_crc);
  if (it == message_table_.end()) return std::nullopt;
  return it->second;
}

std::uint16_t ApiClient::message_id(std::string_view name_crc) const {
  if (auto id = find_message_id(name_crc)) return *id;
  // Name the same message with another CRC, if VPP has one: the API version differs.
  std::string_view prefix = name_without_crc(name_crc);
  std::string others;
  for (auto it = message_table_.lower_bound(prefix);
       it != message_table_.end() && it->first.starts_with(prefix); ++it) {
    // Only the same message (prefix followed by the 8 hex digits of a CRC), not e.g. _reply.
    if (it->first.size() != name_crc.size()) continue;
    others += others.empty() ? it->first : ", " + it->first;
  }
  throw Error(fmt::format("{} {}: this VPP has no {} ({}); its API version is not supported", kWhat,
                          stream_.path(), name_crc,
                          others.empty() ? "nor any other version of it" : "it has " + others));
}

void ApiClient::require_connected(std::string_view name) const {
  if (!stream_.is_open()) {
    throw Error(fmt::format("{}: cannot send {}: not connected", kWhat, name));
  }
}

Bytes ApiClient::read_message(std::string_view waiting_for, Deadline deadline) {
  std::array<std::uint8_t, kFrameHeaderSize> header{};
  stream_.receive_exact(header, waiting_for, deadline);
  std::uint32_t length = 0;
  try {
    length = frame_body_length(header);
  } catch (Error& e) {
    throw e.at(fmt::format("{} {}", kWhat, stream_.path()));
  }
  Bytes body(length);
  stream_.receive_exact(body, waiting_for, deadline);
  return body;
}

Bytes ApiClient::request(std::span<const std::uint8_t> body, std::string_view name,
                         std::uint16_t reply_id, std::uint32_t context) {
  auto deadline = Deadline::after(options_.reply_timeout);
  stream_.send_all(frame(body), name, deadline);
  std::string waiting_for = fmt::format("the {} reply", name);
  while (true) {
    Bytes reply = read_message(waiting_for, deadline);
    // Events and late replies to abandoned requests may arrive first; they are skipped.
    if (reply.size() >= 6) {
      ReplyHeader header = decode_reply_header(reply);
      if (header.id == reply_id && header.context == context) return reply;
    }
  }
}

VppVersion ApiClient::show_version() {
  require_connected("show_version");
  std::uint16_t id = message_id(kShowVersion);
  std::uint16_t reply_id = message_id(kShowVersionReply);
  std::uint32_t context = next_context();
  Bytes body =
      request(encode_plain_request(id, client_index_, context), "show_version", reply_id, context);
  ShowVersionReply reply = decode_show_version_reply(body);
  if (reply.retval != 0) {
    throw Error(fmt::format("{} {}: show_version failed with retval {}", kWhat, stream_.path(),
                            reply.retval));
  }
  return reply.version;
}

std::uint32_t ApiClient::control_ping() {
  require_connected("control_ping");
  std::uint16_t id = message_id(kControlPing);
  std::uint16_t reply_id = message_id(kControlPingReply);
  std::uint32_t context = next_context();
  Bytes body =
      request(encode_plain_request(id, client_index_, context), "control_ping", reply_id, context);
  ControlPingReply reply = decode_control_ping_reply(body);
  if (reply.retval != 0) {
    throw Error(fmt::format("{} {}: control_ping failed with retval {}", kWhat, stream_.path(),
                            reply.retval));
  }
  return reply.vpe_pid;
}

std::vector<Bytes> ApiClient::dump(std::string_view request_name_crc,
                                   std::string_view details_name_crc,
                                   std::span<const std::uint8_t> arguments) {
  require_connected(request_name_crc);
  const std::uint16_t id = message_id(request_name_crc);
  const std::uint16_t details_id = message_id(details_name_crc);
  const std::uint16_t ping_id = message_id(kControlPing);
  const std::uint16_t ping_reply_id = message_id(kControlPingReply);
  const std::uint32_t context = next_context();
  Bytes body = encode_plain_request(id, client_index_, context);
  body.insert(body.end(), arguments.begin(), arguments.end());
  Bytes both = frame(body);
  const Bytes ping = frame(encode_plain_request(ping_id, client_index_, context));
  both.insert(both.end(), ping.begin(), ping.end());

  auto deadline = Deadline::after(options_.reply_timeout);
  stream_.send_all(both, request_name_crc, deadline);
  const std::string waiting_for = fmt::format("the {} details", request_name_crc);
  std::vector<Bytes> details;
  while (true) {
    Bytes reply = read_message(waiting_for, deadline);
    if (reply.size() < 6) continue;
    const ReplyHeader header = decode_reply_header(reply);
    if (header.context != context) continue;  // events, late replies to abandoned requests
    if (header.id == details_id) {
      details.push_back(std::move(reply));
    } else if (header.id == ping_reply_id) {
      return details;
    }
  }
}

void ApiClient::disconnect() {
  if (!stream_.is_open()) return;
  struct CloseAtExit {
    UnixStream& stream;
    ~CloseAtExit() { stream.close(); }
  } close_at_exit{stream_};

  std::uint16_t id = message_id(kSockclntDelete);
  std::uint16_t reply_id = message_id(kSockclntDeleteReply);
  std::uint32_t context = next_context();
  Bytes body = request(encode_sockclnt_delete(id, client_index_, context, client_index_),
                       "sockclnt_delete", reply_id, context);
  SockclntDeleteReply reply = decode_sockclnt_delete_reply(body);
  if (reply.response < 0) {
    throw Error(fmt::format("{} {}: sockclnt_delete failed with response {}", kWhat, stream_.path(),
                            reply.response));
  }
}

}  // namespace cnfctl::vpp
