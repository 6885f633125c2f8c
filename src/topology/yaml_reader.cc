#include "topology/yaml_reader.h"

#include <fmt/format.h>

#include <algorithm>

#include "topology/values.h"

namespace cnfctl::topology {

namespace {

constexpr std::size_t kMaxShownValue = 60;

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

void fail(const SourceLocation& where, const std::string& what) {
  throw Error::bad_input(where.str(), what);
}

std::string describe(const YAML::Node& node) {
  if (is_empty(node)) return "nothing";
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a mapping";
  std::string shown;
  for (char c : node.Scalar()) {
    if (shown.size() >= kMaxShownValue) {
      shown += "...";
      break;
    }
    const auto u = static_cast<unsigned char>(c);
    if (c == '\n') {
      shown += "\\n";
    } else if (c == '\t') {
      shown += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      shown += fmt::format("\\x{:02x}", u);
    } else {
      shown += c;
    }
  }
  return "'" + shown + "'";
}

SourceLocation YamlSource::at(const YAML::Mark& mark, const SourceLocation& fallback) const {
  if (mark.is_null() || mark.line < 0) return fallback;
  return SourceLocation{file_, mark.line + 1, mark.column + 1};
}

Mapping::Mapping(const YamlSource& source, const Field& field, std::string context,
                 std::string_view expected)
    : source_(&source), context_(std::move(context)), where_(field.where) {
  if (is_empty(field.node)) return;
  if (!field.node.IsMap()) {
    fail(field.where, fmt::format("{}{}expected {}, got {}", field.key,
                                  field.key.empty() ? "" : ": ", expected, describe(field.node)));
  }
  for (auto it = field.node.begin(); it != field.node.end(); ++it) {
    const YAML::Node key = it->first;
    const auto key_where = source.at(key.Mark(), where_);
    if (!key.IsScalar()) {
      fail(key_where,
           fmt::format("keys in {} must be plain names, got {}", context_, describe(key)));
    }
    if (key.Scalar() == "<<") {
      fail(key_where, fmt::format("YAML merge keys ('<<') are not supported (in {}); write the "
                                  "keys out",
                                  context_));
    }
    // An index by key keeps loading linear: a mapping may hold 100,000 keys (env).
    const auto [seen, inserted] = index_.try_emplace(key.Scalar(), fields_.size());
    if (!inserted) {
      fail(key_where, fmt::format("duplicate key '{}' in {} (first written at line {})",
                                  key.Scalar(), context_, fields_[seen->second].key_where.line));
    }
    const YAML::Node value = it->second;
    const bool empty = is_empty(value);
    fields_.push_back(Field{key.Scalar(), value,
                            empty ? key_where : source.at(value.Mark(), key_where), key_where});
  }
}

void Mapping::allow(std::span<const std::string_view> known, std::span<const KeyHint> hints) const {
  for (const auto& field : fields_) {
    if (std::find(known.begin(), known.end(), field.key) != known.end()) continue;
    const auto& key_where = field.key_where;
    for (auto it = hints.begin(); it != hints.end(); ++it) {
      if (it->key == field.key) {
        fail(key_where,
             fmt::format("unknown key '{}' in {}; {}", field.key, context_, it->message));
      }
    }
    if (const auto close = closest_match(field.key, known)) {
      fail(key_where,
           fmt::format("unknown key '{}' in {}; did you mean '{}'?", field.key, context_, *close));
    }
    fail(key_where, fmt::format("unknown key '{}' in {}; known keys: {}", field.key, context_,
                                join_names(known)));
  }
}

const Field* Mapping::find(std::string_view key) const {
  const auto it = index_.find(key);
  return it == index_.end() ? nullptr : &fields_[it->second];
}

const Field& Mapping::require(std::string_view key, std::string_view why) const {
  if (const auto* field = find(key)) return *field;
  fail(where_, fmt::format("{}: missing key '{}' ({})", context_, key, why));
}

void Mapping::record(Locations& locations) const {
  locations.self = where_;
  for (const auto& field : fields_) locations.set(field.key, field.where);
}

std::vector<Field> read_list(const YamlSource& source, const Field& field,
                             std::string_view expected) {
  std::vector<Field> out;
  if (is_empty(field.node)) return out;
  if (!field.node.IsSequence()) {
    fail(field.where,
         fmt::format("{}: expected {}, got {}", field.key, expected, describe(field.node)));
  }
  std::size_t index = 0;
  for (const auto& element : field.node) {
    const bool empty = is_empty(element);
    const auto where = empty ? field.where : source.at(element.Mark(), field.where);
    out.push_back(Field{fmt::format("{}[{}]", field.key, index++), element, where, where});
  }
  return out;
}

std::string read_scalar(const Field& field, std::string_view expected) {
  if (!field.node.IsScalar()) {
    fail(field.where,
         fmt::format("{}: expected {}, got {}", field.key, expected, describe(field.node)));
  }
  return field.node.Scalar();
}

std::string read_line(const Field& field, std::string_view expected) {
  auto text = read_scalar(field, expected);
  if (text.empty() || text.find_first_of(std::string_view("\0\n\r", 3)) != std::string::npos) {
    fail(field.where, fmt::format("{}: expected {} (one non-empty line), got {}", field.key,
                                  expected, describe(field.node)));
  }
  return text;
}

std::uint64_t read_unsigned(const Field& field, std::uint64_t min, std::uint64_t max,
                            std::string_view expected) {
  const auto text = read_scalar(field, expected);
  const auto value = parse_unsigned(text);
  if (!value || *value < min || *value > max) {
    fail(field.where,
         fmt::format("{}: expected {}, got {}", field.key, expected, describe(field.node)));
  }
  return *value;
}

bool read_bool(const Field& field) {
  const auto text = ascii_lower(read_scalar(field, "true or false"));
  if (text == "true" || text == "yes" || text == "on") return true;
  if (text == "false" || text == "no" || text == "off") return false;
  fail(field.where,
       fmt::format("{}: expected true or false, got {}", field.key, describe(field.node)));
}

std::string read_absolute_path(const Field& field, std::string_view what) {
  const auto text = read_scalar(field, fmt::format("an absolute path ({})", what));
  if (const auto problem = absolute_path_problem(text)) {
    fail(field.where, fmt::format("{}: {} {} is not usable: {}", field.key, what,
                                  describe(field.node), *problem));
  }
  return normalize_absolute_path(text);
}

std::vector<std::string> read_argv(const YamlSource& source, const Field& field, bool allow_empty) {
  std::vector<std::string> argv;
  for (const auto& element : read_list(source, field, "a list of strings (an argv)")) {
    auto text = read_scalar(element, "a string");
    if (text.find('\0') != std::string::npos) {
      fail(element.where, fmt::format("{}: arguments cannot contain NUL", element.key));
    }
    argv.push_back(std::move(text));
  }
  if (!allow_empty && (argv.empty() || argv.front().empty())) {
    fail(field.where, fmt::format("{}: expected a non-empty argv (program first), got {}",
                                  field.key, describe(field.node)));
  }
  return argv;
}

std::string unknown_name_message(std::string_view what, std::string_view what_plural,
                                 std::string_view name, std::span<const std::string_view> known) {
  std::string message = fmt::format("unknown {} '{}'", what, name);
  if (const auto close = closest_match(name, known)) {
    message += fmt::format(" (did you mean '{}'?)", *close);
  }
  message += fmt::format("; known {}: {}", what_plural, join_names(known));
  return message;
}

}  // namespace cnfctl::topology
