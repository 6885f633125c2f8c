// What `vppctl -s <cli.sock> <command>` does, without vppctl: connect to VPP's CLI socket
// (startup.conf `unix { cli-listen … }`), answer VPP's telnet negotiation with the terminal type
// `vppctl` (which puts the session in VPP's non-interactive mode: no banner, prompt or echo),
// send the command, collect the output up to the NUL byte with which VPP ends each command's
// output, then send `quit`.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace cnfctl::vpp {

struct CliOptions {
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds timeout{10000};  // from connecting to the end of the output
};

/// Runs one CLI `command` (e.g. "show version") and returns its output exactly as VPP wrote it
/// (lines end in "\r\n"; "" for commands that print nothing). When VPP closes the connection
/// after the command was sent but before ending its output, what arrived is returned, as
/// vppctl does.
/// Throws Error::bad_input("vpp cli", ...) when `command` is empty or holds a line break or a
/// NUL (it would run several commands), Error::bad_input for an unusable socket path, and Error
/// naming the socket when it cannot be connected, VPP closes the connection before the command
/// could be sent, or the output is not complete within the timeout.
std::string run_vpp_cli(const std::string& socket_path, std::string_view command,
                        const CliOptions& options = {});

}  // namespace cnfctl::vpp
