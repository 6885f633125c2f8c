// "Did you mean …?" for misspelled keys and kind names.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace cnfctl::topology {

/// The optimal-string-alignment distance between `a` and `b`: insertions, deletions,
/// substitutions and transpositions of adjacent characters each cost 1 (case-insensitive).
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate closest to `word` when it is close enough to be a plausible typo (distance at
/// most 1 for short words, 2 from 5 characters, a third of the length beyond), else nullopt.
/// Ties go to the earlier candidate.
std::optional<std::string> closest_match(std::string_view word,
                                         std::span<const std::string_view> candidates);

/// "a, b, c": the candidates joined for a message.
std::string join_names(std::span<const std::string_view> names);

}  // namespace cnfctl::topology
