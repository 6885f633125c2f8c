// CSIT's template rules (Python's string.Template.safe_substitute): `$name` and `${name}` are
// replaced by the value of `name`, `$$` becomes `$`, and anything unknown or malformed is kept
// exactly as written.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace cnfctl {

using TemplateVars = std::map<std::string, std::string, std::less<>>;

/// Renders `text` with `vars`. Never fails: unknown names stay as `$name` / `${name}`.
std::string render_template(std::string_view text, const TemplateVars& vars);

}  // namespace cnfctl
