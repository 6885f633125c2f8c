#include "common/template.h"

namespace cnfctl {

namespace {
// Python's Template idpattern: (?a:[_a-z][_a-z0-9]*), case-insensitive.
bool is_identifier_start(char c) {
  return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_identifier_char(char c) {
  return is_identifier_start(c) || (c >= '0' && c <= '9');
}
}  // namespace

std::string render_template(std::string_view text, const TemplateVars& vars) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c != '$' || i + 1 >= text.size()) {
      out += c;
      ++i;
      continue;
    }
    const char next = text[i + 1];
    if (next == '$') {  // escaped dollar
      out += '$';
      i += 2;
      continue;
    }
    std::size_t name_begin = i + 1;
    std::size_t name_end = name_begin;
    bool braced = false;
    if (next == '{') {
      braced = true;
      name_begin = name_end = i + 2;
    }
    if (name_end < text.size() && is_identifier_start(text[name_end])) {
      ++name_end;
      while (name_end < text.size() && is_identifier_char(text[name_end])) ++name_end;
    }
    const bool has_name = name_end > name_begin;
    const bool closed = !braced || (name_end < text.size() && text[name_end] == '}');
    if (has_name && closed) {
      const std::string_view name = text.substr(name_begin, name_end - name_begin);
      const std::size_t consumed = (name_end - i) + (braced ? 1 : 0);
      if (auto it = vars.find(name); it != vars.end()) {
        out += it->second;
      } else {
        out += text.substr(i, consumed);
      }
      i += consumed;
      continue;
    }
    out += '$';  // a lone or malformed `$` is kept
    ++i;
  }
  return out;
}

}  // namespace cnfctl
