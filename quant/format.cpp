#include "quant/format.h"

#include <stdexcept>

namespace dfsim {

std::string to_string(const Format& f) {
    if (f.binary) return "binary";
    std::string s = (f.is_signed ? "int" : "uint") + std::to_string(f.bits);
    if (f.zero_point != 0) s += "-zp" + std::to_string(f.zero_point);
    return s;
}

std::string_view to_string(Multiplier m) {
    switch (m) {
        case Multiplier::Mac:
            return "mac";
        case Multiplier::Lut:
            return "lut";
        case Multiplier::Binary:
            return "binary";
        case Multiplier::Ternary:
            return "ternary";
        case Multiplier::Xnor:
            return "xnor";
    }
    return "?";
}

Multiplier parse_multiplier(std::string_view name) { return parse_enum(name, kMultipliers, "multiplier"); }

}  // namespace dfsim
