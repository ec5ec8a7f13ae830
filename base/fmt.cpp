#include "base/fmt.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace dfsim {

std::string fmt_sig(double v, int digits) {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
    if (v == 0) return "0";
    digits = digits < 1 ? 1 : digits;
    // decimals so that the first significant digit and digits - 1 after it are shown; rounding
    // may carry into a new leading digit (9.996 -> "10.0"), which then takes one decimal fewer
    int magnitude = static_cast<int>(std::floor(std::log10(std::fabs(v))));
    int decimals = std::max(0, digits - 1 - magnitude);
    std::string s = fmt(("%." + std::to_string(decimals) + "f").c_str(), v);
    const double rounded = std::fabs(std::stod(s));
    if (rounded > 0 && static_cast<int>(std::floor(std::log10(rounded))) > magnitude) {
        magnitude = static_cast<int>(std::floor(std::log10(rounded)));
        const int fewer = std::max(0, digits - 1 - magnitude);
        if (fewer != decimals) s = fmt(("%." + std::to_string(fewer) + "f").c_str(), v);
    }
    return s;
}

namespace {

constexpr std::array<const char*, 11> kPrefixes{"f", "p", "n", "u", "m", "", "k", "M", "G", "T", "P"};
constexpr int kUnitIndex = 5;  // "" in kPrefixes

// The index in kPrefixes for a magnitude, clamped to the list.
int prefix_index(double magnitude) {
    if (!(magnitude > 0) || !std::isfinite(magnitude)) return kUnitIndex;
    const int thousands = static_cast<int>(std::floor(std::log10(magnitude) / 3.0));
    return std::min<int>(static_cast<int>(kPrefixes.size()) - 1, std::max(0, kUnitIndex + thousands));
}

std::string prefix_at(int i, const std::string& micro) {
    return i == kUnitIndex - 2 ? micro : std::string(kPrefixes[static_cast<size_t>(i)]);
}

double factor_at(int i) { return std::pow(1000.0, i - kUnitIndex); }

}  // namespace

SiScale si_scale(double largest, const std::string& micro) {
    const int i = prefix_index(std::fabs(largest));
    return {factor_at(i), prefix_at(i, micro)};
}

std::string fmt_si(double v, const std::string& unit, int digits, const std::string& micro) {
    if (v == 0 || !std::isfinite(v)) return fmt_sig(v, digits) + " " + unit;
    int i = prefix_index(std::fabs(v));
    std::string m = fmt_sig(v / factor_at(i), digits);
    if (std::fabs(std::stod(m)) >= 1000 && i + 1 < static_cast<int>(kPrefixes.size())) {
        ++i;
        m = fmt_sig(v / factor_at(i), digits);
    }
    return m + " " + prefix_at(i, micro) + unit;
}

std::string elapsed_and_left(double elapsed_s, double share, bool last) {
    std::string s = fmt(", %.1f s elapsed", elapsed_s);
    if (!last && share > 0 && share < 1) s += fmt(", about %.1f s left", elapsed_s / share * (1 - share));
    return s;
}

std::string wrap_line(const std::string& text, size_t width, const std::string& indent) {
    std::string out;
    size_t pos = text.find_first_not_of(' ');
    if (pos == std::string::npos) return text + "\n";
    std::string line = text.substr(0, pos);  // the first line's own indent
    const size_t lead = pos;
    while (pos < text.size()) {
        size_t end = text.find(' ', pos);
        if (end == std::string::npos) end = text.size();
        const std::string word = text.substr(pos, end - pos);
        pos = end + 1;
        const bool fresh = line.size() == lead && out.empty();  // nothing on the first line yet
        if (!fresh && line.size() + 1 + word.size() > width) {
            out += line + "\n";
            line = indent + word;
        } else {
            line += (fresh ? "" : " ") + word;
        }
    }
    return out + line + "\n";
}

}  // namespace dfsim
