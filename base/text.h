// Checks on text that comes from users' files (names, YAML scalars, paths): valid UTF-8 and
// no control characters, so that every report (JSON needs UTF-8; text tables and CSV need one
// line per row) can hold it as it is.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace dfsim {

// What is wrong with `s`, or "" if nothing: a NUL byte, another control character (tab, line
// feed and carriage return allowed with `allow_newlines`), or bytes that are not UTF-8, each
// with its byte offset, e.g. "a control character (0x07) at byte 3".
std::string text_problem(std::string_view s, bool allow_newlines);

// `s` with every byte outside printable ASCII shown as \xNN, for error messages.
std::string printable(std::string_view s);

// `s` with ASCII letters in lower case (other bytes as they are).
std::string ascii_lower(std::string_view s);

// `s` without the white space (std::isspace) at its ends.
std::string trim_space(std::string_view s);

// The optimal-string-alignment (restricted Damerau-Levenshtein) distance between `a` and `b`,
// ASCII case ignored: insertions, deletions, substitutions and swaps of two neighbours, one each.
size_t edit_distance(std::string_view a, std::string_view b);

// The choices closest to `given` for a "did you mean": those at the least edit distance (at most
// three, in their order), leading dashes left out, if that distance is at most max(1, |given| / 3)
// and half the longer name's length (so that "ab" suggests nothing for "rs", "spec" no "seed",
// "-j" no "-h"); empty if none is that close.
std::vector<std::string> closest_names(std::string_view given, const std::vector<std::string>& choices);

// "; did you mean 'x'?" (or "'x' or 'y'", "'x', 'y' or 'z'") for closest_names, "" if none.
std::string did_you_mean(std::string_view given, const std::vector<std::string>& choices);

// `names` joined with ", ": the first `shown`, then "... and N more" when there are more.
std::string name_list(const std::vector<std::string>& names, size_t shown = 20);

}  // namespace dfsim
