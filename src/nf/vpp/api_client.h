// A client of VPP's binary API over the `socksvr` Unix socket, speaking exactly what vpp_papi's
// socket transport speaks: sockclnt_create (which returns the message table), requests matched
// to replies by context, sockclnt_delete. It proves that VPP's API is up (show_version,
// control_ping), which `vppctl` alone does not.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "nf/vpp/vpp_wire.h"
#include "process/unix_stream.h"

namespace cnfctl::vpp {

using process::Deadline;
using process::UnixStream;

struct ApiClientOptions {
  std::string client_name = "cnfctl";  // shown by VPP's `show api clients`; at most 63 chars
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds reply_timeout{5000};  // per request, from sending to its reply
};

class ApiClient {
 public:
  /// Connects to VPP's API socket (startup.conf `socksvr { socket-name … }`) and registers with
  /// sockclnt_create, keeping the message table VPP answers with.
  /// Throws Error::bad_input for an unusable socket path or client name, and Error naming the
  /// socket when it cannot be connected (missing, refused), VPP does not answer within the
  /// deadlines, the answer is not a sockclnt_create_reply, or VPP refuses the client.
  static ApiClient connect(const std::string& socket_path, const ApiClientOptions& options = {});

  ApiClient(ApiClient&&) noexcept = default;
  ApiClient& operator=(ApiClient&&) noexcept = default;
  /// Closes the socket without sockclnt_delete (VPP drops the client when the socket closes).
  ~ApiClient() = default;

  /// show_version: program, version, build date and build directory.
  /// Throws Error when not connected, when this VPP lacks show_version_51077d14 (another API
  /// version; the error names what it has), on timeout, or when VPP answers with an error.
  VppVersion show_version();

  /// control_ping: a round trip through VPP's main thread. Returns VPP's process id.
  /// Throws like show_version.
  std::uint32_t control_ping();

  /// A dump: sends `request_name_crc` ({ u16 id; u32 client_index; u32 context; } followed by
  /// `arguments`, big-endian as VPP encodes them), then control_ping with the same context, and
  /// returns the bodies of every `details_name_crc` message with that context that VPP sends
  /// before the control_ping_reply (vpp_papi's way of finding a dump's end), in order.
  /// Throws like show_version; also when the whole dump does not arrive within reply_timeout.
  std::vector<Bytes> dump(std::string_view request_name_crc, std::string_view details_name_crc,
                          std::span<const std::uint8_t> arguments = {});

  /// sockclnt_delete, then closes the socket. Does nothing when already disconnected. Throws
  /// like show_version; the socket is closed in every case.
  void disconnect();

  bool is_connected() const { return stream_.is_open(); }
  /// The id of `name_crc` in this VPP's message table, nullopt when it has none. Never fails.
  std::optional<std::uint16_t> find_message_id(std::string_view name_crc) const;
  /// The id of `name_crc`. Throws Error "VPP API: this VPP has no <name_crc>" (naming the
  /// message this VPP has under the same name, if any) when it is not in the table.
  std::uint16_t message_id(std::string_view name_crc) const;
  /// name_crc -> id, as VPP sent it.
  const std::map<std::string, std::uint16_t, std::less<>>& message_table() const {
    return message_table_;
  }

 private:
  ApiClient(UnixStream stream, ApiClientOptions options);

  /// Sends one framed `body` and returns the body of the reply with `reply_id` and `context`,
  /// skipping any other message VPP sends meanwhile.
  Bytes request(std::span<const std::uint8_t> body, std::string_view name, std::uint16_t reply_id,
                std::uint32_t context);
  Bytes read_message(std::string_view waiting_for, Deadline deadline);
  void require_connected(std::string_view name) const;
  std::uint32_t next_context() { return next_context_++; }

  UnixStream stream_;
  ApiClientOptions options_;
  std::map<std::string, std::uint16_t, std::less<>> message_table_;
  std::uint32_t client_index_ = 0;
  std::uint32_t next_context_ = 1;
};

}  // namespace cnfctl::vpp
