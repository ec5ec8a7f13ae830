// Numbers as the text, CSV, HTML and plot writers print them: with a printf format, with a number
// of significant digits (never in exponent notation), with an SI prefix; and long lines wrapped.
#pragma once
#include <cstdio>
#include <string>

namespace dfsim {

inline std::string fmt(const char* format, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}

// `v` with `digits` significant digits (at least 1) in fixed-point notation, never an exponent:
// 6.4712 -> "6.47", 174.04 -> "174", 0.012345 -> "0.0123", 123456 -> "123456" (an integer part
// longer than `digits` is kept whole), 0 -> "0". Not finite: "nan", "inf", "-inf".
std::string fmt_sig(double v, int digits = 3);

// The SI prefix for a column of numbers in one unit: the power of 1000 from 1e-15 (f) to 1e15 (P)
// that puts `largest` (its magnitude) in [1, 1000); 1 and "" for 0 or a non-finite number.
// `micro` is the prefix of 1e-6: "u" in ASCII text, "µ" in HTML.
struct SiScale {
    double factor = 1;  // divide by it: 2.5e-6 J / 1e-6 = 2.5 uJ
    std::string prefix;  // "m", "u", "k", ...
};
SiScale si_scale(double largest, const std::string& micro = "u");

// `v` (in `unit`) with its own SI prefix and `digits` significant digits: 1.02707e-3, "J" ->
// "1.03 mJ"; 1234, "cycles" -> "1.23 kcycles"; 0, "J" -> "0 J". A value that rounds up to the
// next power of 1000 takes the next prefix (999.7 -> "1.00 k").
std::string fmt_si(double v, const std::string& unit, int digits = 3, const std::string& micro = "u");

// `text` (one line, no newline) broken at spaces into lines of at most `width` characters, the
// first with `text`'s own leading spaces, the others starting with `indent`; a word longer than
// a line stays whole. Each line ends with a newline.
std::string wrap_line(const std::string& text, size_t width, const std::string& indent = "  ");

// A progress line's times: ", 1.2 s elapsed", then ", about 3.4 s left" (elapsed / share of the
// work done x the share left) unless `last` or the share is 0 or 1 (dfsim run's and compare's lines).
std::string elapsed_and_left(double elapsed_s, double share, bool last);

}  // namespace dfsim
