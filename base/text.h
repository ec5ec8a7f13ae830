// Checks on text that comes from users' files (names, YAML scalars, paths): valid UTF-8 and
// no control characters, so that every report (JSON needs UTF-8; text tables and CSV need one
// line per row) can hold it as it is.
#pragma once
#include <string>
#include <string_view>

namespace dfsim {

// What is wrong with `s`, or "" if nothing: a NUL byte, another control character (tab, line
// feed and carriage return allowed with `allow_newlines`), or bytes that are not UTF-8, each
// with its byte offset, e.g. "a control character (0x07) at byte 3".
std::string text_problem(std::string_view s, bool allow_newlines);

// `s` with every byte outside printable ASCII shown as \xNN, for error messages.
std::string printable(std::string_view s);

}  // namespace dfsim
