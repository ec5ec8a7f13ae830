#include "base/text.h"

#include <cstdio>

namespace dfsim {

namespace {

// The length of the UTF-8 sequence at s[i], or 0 if none starts there (overlong forms,
// surrogates and code points above U+10FFFF are not UTF-8).
size_t utf8_length(std::string_view s, size_t i) {
    const auto b = [&](size_t k) { return k < s.size() ? static_cast<unsigned char>(s[k]) : 0u; };
    const unsigned c = b(i);
    const auto cont = [&](size_t k) { return (b(k) & 0xC0u) == 0x80u; };
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) return cont(i + 1) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        const unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        return b(i + 1) >= lo && b(i + 1) <= hi && cont(i + 2) ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        const unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        return b(i + 1) >= lo && b(i + 1) <= hi && cont(i + 2) && cont(i + 3) ? 4 : 0;
    }
    return 0;
}

std::string hex(unsigned c) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02X", c);
    return buf;
}

}  // namespace

std::string text_problem(std::string_view s, bool allow_newlines) {
    for (size_t i = 0; i < s.size();) {
        const unsigned c = static_cast<unsigned char>(s[i]);
        const std::string at = " at byte " + std::to_string(i);
        if (c == 0) return "a NUL byte" + at;
        const bool newline = c == '\t' || c == '\n' || c == '\r';
        if ((c < 0x20 && !(allow_newlines && newline)) || c == 0x7F) return "a control character (" + hex(c) + ")" + at;
        const size_t n = utf8_length(s, i);
        if (n == 0) return "a byte that is not UTF-8 (" + hex(c) + ")" + at;
        i += n;
    }
    return "";
}

std::string printable(std::string_view s) {
    std::string out;
    for (char ch : s) {
        const unsigned c = static_cast<unsigned char>(ch);
        if (c >= 0x20 && c < 0x7F) {
            out += ch;
        } else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02X", c);
            out += buf;
        }
    }
    return out;
}

}  // namespace dfsim
