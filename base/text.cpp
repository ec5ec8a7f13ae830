#include "base/text.h"

#include <algorithm>
#include <cctype>
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

std::string trim_space(std::string_view s) {
    size_t a = 0, b = s.size();
    while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
    while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
    return std::string(s.substr(a, b - a));
}

std::string ascii_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

size_t edit_distance(std::string_view a_in, std::string_view b_in) {
    const std::string a = ascii_lower(a_in), b = ascii_lower(b_in);
    const size_t n = a.size(), m = b.size();
    // d[i][j]: the distance between a's first i and b's first j characters, three rows kept
    std::vector<size_t> before(m + 1), prev(m + 1), cur(m + 1);
    for (size_t j = 0; j <= m; ++j) prev[j] = j;
    for (size_t i = 1; i <= n; ++i) {
        cur[0] = i;
        for (size_t j = 1; j <= m; ++j) {
            const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                cur[j] = std::min(cur[j], before[j - 2] + 1);
        }
        before.swap(prev);
        prev.swap(cur);
    }
    return prev[m];
}

std::vector<std::string> closest_names(std::string_view given_name, const std::vector<std::string>& choices) {
    auto core = [](std::string_view s) { return s.substr(std::min(s.find_first_not_of('-'), s.size())); };
    const std::string_view given = core(given_name);
    const size_t limit = std::max<size_t>(1, given.size() / 3);
    size_t best = limit + 1;
    std::vector<std::string> out;
    for (const std::string& c : choices) {
        const size_t d = edit_distance(given, core(c));
        if (d > limit || 2 * d > std::max(given.size(), core(c).size())) continue;
        if (d < best) out.clear(), best = d;
        if (d == best && out.size() < 3 && std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
    }
    return out;
}

std::string did_you_mean(std::string_view given, const std::vector<std::string>& choices) {
    const std::vector<std::string> near = closest_names(given, choices);
    if (near.empty()) return "";
    std::string s = "; did you mean ";
    for (size_t i = 0; i < near.size(); ++i) {
        if (i > 0) s += i + 1 == near.size() ? " or " : ", ";
        s += "'";
        s += printable(near[i]);
        s += "'";
    }
    return s + "?";
}

std::string name_list(const std::vector<std::string>& names, size_t shown) {
    std::string s;
    for (size_t i = 0; i < names.size() && i < shown; ++i) {
        if (i > 0) s += ", ";
        s += printable(names[i]);
    }
    if (names.size() > shown) s += ", ... and " + std::to_string(names.size() - shown) + " more";
    return s;
}

}  // namespace dfsim
