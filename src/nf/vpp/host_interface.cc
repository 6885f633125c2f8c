#include "nf/vpp/host_interface.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/error.h"

namespace cnfctl::vpp {

namespace {

void require_cli_word(const std::string& text, const std::string& what) {
  const bool plain = !text.empty() && std::all_of(text.begin(), text.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '.' || ch == '_' || ch == '/' || ch == '-';
  });
  if (!plain) {
    throw Error::bad_input("VPP exec script",
                           fmt::format("{} '{}' is not a plain CLI word", what, text));
  }
}

}  // namespace

std::string af_packet_interface_name(const std::string& host_if) {
  return "host-" + host_if;
}

std::string host_interface_exec(const std::string& host_if, const std::string& ip4_cidr) {
  require_cli_word(host_if, "host interface");
  require_cli_word(ip4_cidr, "IPv4 address");
  const auto name = af_packet_interface_name(host_if);
  std::string out;
  out += fmt::format("create host-interface name {}\n", host_if);
  out += fmt::format("set interface ip address {} {}\n", name, ip4_cidr);
  out += fmt::format("set interface state {} up\n", name);
  return out;
}

}  // namespace cnfctl::vpp
