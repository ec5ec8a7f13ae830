// Number formatting for the reports (base/fmt.h): significant digits without exponent notation,
// SI prefixes (each expected text written out by hand), and line wrapping.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>
#include <string>

#include "base/fmt.h"

using namespace dfsim;

TEST(Fmt, SignificantDigitsNeverInExponentNotation) {
    EXPECT_EQ(fmt_sig(6.4712, 3), "6.47");
    EXPECT_EQ(fmt_sig(174.04, 3), "174");
    EXPECT_EQ(fmt_sig(0.012345, 3), "0.0123");
    EXPECT_EQ(fmt_sig(123456, 3), "123456");  // the integer part is kept whole
    EXPECT_EQ(fmt_sig(1.027e9, 3), "1027000000");
    EXPECT_EQ(fmt_sig(-2.5, 2), "-2.5");
    EXPECT_EQ(fmt_sig(0, 3), "0");
    // rounding that carries into a new leading digit keeps the number of significant digits
    EXPECT_EQ(fmt_sig(9.996, 3), "10.0");
    EXPECT_EQ(fmt_sig(0.0099996, 3), "0.0100");
    EXPECT_EQ(fmt_sig(99.96, 3), "100");
    EXPECT_EQ(fmt_sig(1e-7, 2), "0.00000010");
    EXPECT_EQ(fmt_sig(std::nan(""), 3), "nan");
}

TEST(Fmt, SiPrefixes) {
    EXPECT_EQ(fmt_si(1.02707e-3, "J"), "1.03 mJ");  // 1.02707e+09 pJ
    EXPECT_EQ(fmt_si(1234, "cycles"), "1.23 kcycles");
    EXPECT_EQ(fmt_si(2.5e-6, "J"), "2.50 uJ");
    EXPECT_EQ(fmt_si(2.5e-6, "J", 3, "µ"), "2.50 µJ");
    EXPECT_EQ(fmt_si(48.8e-6, "J·s", 3, "µ"), "48.8 µJ·s");
    EXPECT_EQ(fmt_si(7.43e-3, "s"), "7.43 ms");
    EXPECT_EQ(fmt_si(0, "J"), "0 J");
    EXPECT_EQ(fmt_si(1, "J"), "1.00 J");
    EXPECT_EQ(fmt_si(999.7, "J"), "1.00 kJ");  // rounds up into the next prefix
    EXPECT_EQ(fmt_si(999.4, "J"), "999 J");
    EXPECT_EQ(fmt_si(-3.2e-12, "J"), "-3.20 pJ");
    EXPECT_EQ(fmt_si(4.2e6, "E", 2), "4.2 ME");

    const SiScale n = si_scale(48.8e-9);
    EXPECT_EQ(n.prefix, "n");
    EXPECT_DOUBLE_EQ(n.factor, 1e-9);
    EXPECT_EQ(si_scale(2.0e-6, "µ").prefix, "µ");
    EXPECT_EQ(si_scale(999.0).prefix, "");
    EXPECT_EQ(si_scale(1000.0).prefix, "k");
    EXPECT_EQ(si_scale(0).prefix, "");
    EXPECT_DOUBLE_EQ(si_scale(0).factor, 1.0);
}

TEST(Fmt, WrapLineBreaksAtSpacesWithinTheWidth) {
    const std::string text = "host layers: POOL1 (max pool 3x3, 69984 ops), POOL2 (max pool 3x3, 43264 ops), POOL5";
    const std::string w = wrap_line(text, 40, "  ");
    std::istringstream in(w);
    std::string joined, line;
    int lines = 0;
    while (std::getline(in, line)) {
        EXPECT_LE(line.size(), 40u) << line;
        if (lines > 0) {
            EXPECT_EQ(line.rfind("  ", 0), 0u) << line;
            line = line.substr(2);
        }
        joined += (lines ? " " : "") + line;
        ++lines;
    }
    EXPECT_EQ(joined, text);  // nothing lost, nothing added
    EXPECT_EQ(lines, 3);
    EXPECT_EQ(wrap_line("short", 40), "short\n");
    EXPECT_EQ(wrap_line("a-word-longer-than-the-width b", 10, " "), "a-word-longer-than-the-width\n b\n");
}
