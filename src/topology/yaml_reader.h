// Reading YAML with located, precise errors: the loader's vocabulary. Every failure throws
// Error::bad_input("<file>:<line>:<col>", "<key>: expected <what>, got <value>").
#pragma once

#include <yaml-cpp/yaml.h>

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "topology/enum_names.h"
#include "topology/model.h"
#include "topology/suggest.h"

namespace cnfctl::topology {

/// A value of the file with the key it was written under (for messages) and its location.
struct Field {
  std::string key;           // "count", "ports[1]", or "" for the document
  YAML::Node node;           // may be null (written as `key:` or `key: ~`)
  SourceLocation where;      // the value; the key when the value is empty
  SourceLocation key_where;  // the key (the value's location for list elements)
};

/// True when `node` was written empty (`key:` or `key: ~`) or not at all.
inline bool is_empty(const YAML::Node& node) {
  return !node.IsDefined() || node.IsNull();
}

/// Throws Error::bad_input(where, what).
[[noreturn]] void fail(const SourceLocation& where, const std::string& what);

/// How a value is shown in a message: "'three'" (quoted, escaped, shortened), "a list",
/// "a mapping", "nothing".
std::string describe(const YAML::Node& node);

/// The file being read: turns yaml-cpp marks (0-based) into SourceLocations (1-based).
class YamlSource {
 public:
  explicit YamlSource(std::string file) : file_(std::move(file)) {}

  const std::string& file() const { return file_; }
  /// The location of `mark`, or `fallback` when yaml-cpp has none (null and absent nodes).
  SourceLocation at(const YAML::Mark& mark, const SourceLocation& fallback) const;

 private:
  std::string file_;
};

/// A hint shown instead of "did you mean" for a specific wrong key.
struct KeyHint {
  std::string_view key;
  std::string_view message;
};

/// A mapping of the file: its fields in file order, duplicate and non-string keys rejected.
class Mapping {
 public:
  /// Fails "<key>: expected <expected>, got a list" when `field` is not a mapping. A null field
  /// reads as an empty mapping. `context` names it in messages ("topology", "node 'dut1'").
  Mapping(const YamlSource& source, const Field& field, std::string context,
          std::string_view expected = "a mapping");

  /// Fails on the first key not in `known`: "unknown key 'nodes_per_chian' in topology; did you
  /// mean 'nodes_per_chain'?" (or the list of known keys when nothing is close, or a hint).
  void allow(std::span<const std::string_view> known, std::span<const KeyHint> hints = {}) const;

  /// The field under `key`, or nullptr.
  const Field* find(std::string_view key) const;
  /// The field under `key`; fails "<context>: missing key '<key>' (<why>)" at the mapping.
  const Field& require(std::string_view key, std::string_view why) const;

  const std::vector<Field>& fields() const { return fields_; }
  const SourceLocation& where() const { return where_; }
  const std::string& context() const { return context_; }
  /// Renames the mapping in later messages (once its name is known).
  void set_context(std::string context) { context_ = std::move(context); }
  const YamlSource& source() const { return *source_; }

  /// Records the mapping's and every key's location.
  void record(Locations& locations) const;

 private:
  const YamlSource* source_;
  std::string context_;
  SourceLocation where_;
  std::vector<Field> fields_;
  std::map<std::string, std::size_t, std::less<>> index_;  // key -> position in fields_
};

/// A list's elements, named "<key>[<i>]" (0-based). Null reads as empty.
std::vector<Field> read_list(const YamlSource& source, const Field& field,
                             std::string_view expected);

/// A scalar as written. `expected` describes the wanted value for the message.
std::string read_scalar(const Field& field, std::string_view expected);

/// A non-empty string without NUL or newline.
std::string read_line(const Field& field, std::string_view expected = "a string");

/// A whole number in [min, max]: "<key>: expected <expected>, got 'three'".
std::uint64_t read_unsigned(const Field& field, std::uint64_t min, std::uint64_t max,
                            std::string_view expected);

/// true/false (also yes/no, on/off).
bool read_bool(const Field& field);

/// An absolute, clean path (values.h rules), normalized.
std::string read_absolute_path(const Field& field, std::string_view what);

/// A list of strings without NUL (argv elements).
std::vector<std::string> read_argv(const YamlSource& source, const Field& field, bool allow_empty);

/// "unknown <what> 'x' (did you mean 'y'?); known <what_plural>: a, b, c".
std::string unknown_name_message(std::string_view what, std::string_view what_plural,
                                 std::string_view name, std::span<const std::string_view> known);

/// A value spelled as in `table`: "unknown <what> '<v>'; … known <what_plural>: …".
template <class E, std::size_t N>
E read_enum(const Field& field, const std::array<EnumName<E>, N>& table, std::string_view what,
            std::string_view what_plural) {
  const auto names = names_in(table);
  const auto text = read_scalar(field, "one of: " + join_names(names));
  if (const auto value = value_in(table, text)) return *value;
  fail(field.where, unknown_name_message(what, what_plural, text, names));
}

}  // namespace cnfctl::topology
