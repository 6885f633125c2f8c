// CSIT's `$var` templates (common/template.h: Python's string.Template.safe_substitute).
// The input is the template text; the variables are fixed (names and values chosen to meet
// the mutator's `$`, `${`, `$$`, digits and underscores).
// Properties: text without `$` renders as itself; rendering equals a straightforward
// re-implementation of Python's pattern (`\$(?:(\$)|(id)|{(id)}|())`, id = [_a-zA-Z][_a-zA-Z0-9]*)
// written independently below; with no variables, rendering only turns `$$` into `$`; and the
// output of a template whose variable values hold no `$` never grows a `$` the text did not have.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/template.h"
#include "fuzz_check.h"

using cnfctl::TemplateVars;
using cnfctl::fuzz::check;

namespace {

bool id_start(unsigned char c) {
  return c == '_' || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}
bool id_char(unsigned char c) {
  return id_start(c) || (c >= '0' && c <= '9');
}

// The length of the identifier at text[at], 0 when there is none.
std::size_t identifier(std::string_view text, std::size_t at) {
  if (at >= text.size() || !id_start(static_cast<unsigned char>(text[at]))) return 0;
  std::size_t end = at + 1;
  while (end < text.size() && id_char(static_cast<unsigned char>(text[end]))) ++end;
  return end - at;
}

// Python's safe_substitute, one regex alternative at a time, in the pattern's order.
std::string reference(std::string_view text, const TemplateVars& vars) {
  std::string out;
  std::size_t i = 0;
  auto substitute = [&](std::string_view name, std::string_view matched) {
    auto it = vars.find(name);
    out += it == vars.end() ? std::string(matched) : it->second;
  };
  while (i < text.size()) {
    const std::size_t dollar = text.find('$', i);
    if (dollar == std::string_view::npos) {
      out += text.substr(i);
      break;
    }
    out += text.substr(i, dollar - i);
    i = dollar + 1;
    if (i < text.size() && text[i] == '$') {  // (?P<escaped>\$)
      out += '$';
      ++i;
    } else if (std::size_t n = identifier(text, i); n > 0) {  // (?P<named>id)
      substitute(text.substr(i, n), text.substr(dollar, n + 1));
      i += n;
    } else if (i < text.size() && text[i] == '{' && (n = identifier(text, i + 1)) > 0 &&
               i + 1 + n < text.size() && text[i + 1 + n] == '}') {  // {(?P<braced>id)}
      substitute(text.substr(i + 1, n), text.substr(dollar, n + 3));
      i += n + 2;
    } else {  // (?P<invalid>): safe_substitute keeps the `$`
      out += '$';
    }
  }
  return out;
}

std::string unescape_dollars(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    out += text[i];
    if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '$') ++i;
  }
  return out;
}

std::size_t dollars(std::string_view text) {
  std::size_t n = 0;
  for (char c : text) n += c == '$';
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  static const TemplateVars vars = {
      {"a", "1"},
      {"_", "underscore"},
      {"name", "nf1"},
      {"Name", "NF1"},
      {"x1", ""},
      {"long_name_2", "value with spaces"},
      {"cpu", "2"},
      {"socket", "/run/vpp/api.sock"},
      {"multi", "line1\nline2"},
  };
  static const TemplateVars none;

  const std::string rendered = cnfctl::render_template(text, vars);
  const std::string expected = reference(text, vars);
  check(rendered == expected, "render_template equals Python's safe_substitute",
        "got '" + rendered + "', expected '" + expected + "'");

  const std::string bare = cnfctl::render_template(text, none);
  check(bare == unescape_dollars(text), "without variables only `$$` changes");
  if (text.find('$') == std::string_view::npos) {
    check(rendered == text && bare == text, "text without `$` renders as itself");
  }
  check(dollars(rendered) <= dollars(text), "values without `$` add no `$`");
  return 0;
}
