#include "nf/vpp/cli_client.h"

#include <fmt/format.h>

#include <array>
#include <cstdint>

#include "common/error.h"
#include "process/unix_stream.h"

namespace cnfctl::vpp {

using process::Deadline;
using process::UnixStream;

namespace {

constexpr std::string_view kWhat = "VPP CLI socket";

// Telnet (RFC 854, 1091): the bytes VPP's CLI negotiation uses.
constexpr std::uint8_t kIac = 255;
constexpr std::uint8_t kSb = 250;
constexpr std::uint8_t kSe = 240;
constexpr std::uint8_t kWill = 251;
constexpr std::uint8_t kDont = 254;
constexpr std::uint8_t kTerminalType = 24;
constexpr std::uint8_t kTerminalTypeIs = 0;

// The terminal type that selects VPP's non-interactive mode.
constexpr std::string_view kTerminalName = "vppctl";

// Splits what VPP sends into text and telnet commands, across reads.
class TelnetReader {
 public:
  enum class Event { kNone, kText, kTerminalTypeRequested };

  Event feed(std::uint8_t byte) {
    switch (state_) {
      case State::kText:
        if (byte == kIac) {
          state_ = State::kCommand;
          return Event::kNone;
        }
        return Event::kText;
      case State::kCommand:
        if (byte == kIac) {  // an escaped 255 is text
          state_ = State::kText;
          return Event::kText;
        }
        if (byte == kSb) {
          state_ = State::kSubOption;
        } else if (byte >= kWill && byte <= kDont) {
          state_ = State::kOption;  // WILL / WONT / DO / DONT <option>: nothing to answer
        } else {
          state_ = State::kText;  // a two-byte command
        }
        return Event::kNone;
      case State::kOption:
        state_ = State::kText;
        return Event::kNone;
      case State::kSubOption:
        sub_option_ = byte;
        state_ = State::kSubData;
        return Event::kNone;
      case State::kSubData:
        if (byte == kIac) state_ = State::kSubIac;
        return Event::kNone;
      case State::kSubIac:
        if (byte == kSe) {
          state_ = State::kText;
          // VPP sends "SB TERMINAL-TYPE SEND SE": the moment to answer with our type.
          return sub_option_ == kTerminalType ? Event::kTerminalTypeRequested : Event::kNone;
        }
        state_ = State::kSubData;
        return Event::kNone;
    }
    return Event::kNone;
  }

 private:
  enum class State { kText, kCommand, kOption, kSubOption, kSubData, kSubIac };
  State state_ = State::kText;
  std::uint8_t sub_option_ = 0;
};

std::string terminal_type_reply() {
  std::string reply;
  for (auto byte : {kIac, kSb, kTerminalType, kTerminalTypeIs}) reply += static_cast<char>(byte);
  reply += kTerminalName;
  reply += static_cast<char>(kIac);
  reply += static_cast<char>(kSe);
  return reply;
}

}  // namespace

std::string run_vpp_cli(const std::string& socket_path, std::string_view command,
                        const CliOptions& options) {
  if (command.empty() || command.find_first_of(std::string_view("\n\r\0", 3)) != command.npos) {
    throw Error::bad_input("vpp cli",
                           fmt::format("command '{}' must be one non-empty line", command));
  }
  UnixStream stream = UnixStream::connect(socket_path, std::string(kWhat),
                                          Deadline::after(options.connect_timeout));
  auto deadline = Deadline::after(options.timeout);
  std::string waiting_for = fmt::format("the output of '{}'", command);

  TelnetReader telnet;
  bool command_sent = false;
  bool quit_sent = false;
  std::string output;
  std::array<std::uint8_t, 4096> buffer{};
  while (true) {
    if (quit_sent && !stream.wait_readable(deadline)) break;  // the output is complete anyway
    std::size_t n = stream.receive_some(buffer, waiting_for, deadline);
    if (n == 0) break;  // VPP closed the connection
    for (std::size_t i = 0; i < n; ++i) {
      switch (telnet.feed(buffer[i])) {
        case TelnetReader::Event::kNone:
          break;
        case TelnetReader::Event::kText:
          if (!command_sent || quit_sent) break;  // only the command's output is kept
          if (buffer[i] != 0) {
            output += static_cast<char>(buffer[i]);
          } else {
            // VPP ends a command's output with a NUL: ask it to close the session.
            quit_sent = true;
            try {
              stream.send_all(std::string_view("quit\n"), "quit", deadline);
            } catch (const Error&) {
              // VPP may close first; the output is complete either way.
            }
          }
          break;
        case TelnetReader::Event::kTerminalTypeRequested:
          if (!command_sent) {
            stream.send_all(terminal_type_reply(), "the terminal type", deadline);
            // The command line ends in '\n' and, as vppctl sends it, its terminating NUL.
            std::string line(command);
            line += '\n';
            line += '\0';
            stream.send_all(line, fmt::format("command '{}'", command), deadline);
            command_sent = true;
          }
          break;
      }
    }
  }
  if (!command_sent) {
    throw Error(fmt::format("{} {}: VPP closed the connection before asking for the terminal type",
                            kWhat, socket_path));
  }
  return output;
}

}  // namespace cnfctl::vpp
