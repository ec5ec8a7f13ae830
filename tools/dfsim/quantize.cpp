#include "tools/dfsim/quantize.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <bit>
#include <climits>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "base/error.h"
#include "quant/quantize.h"
#include "base/atomic_file.h"
#include "base/fmt.h"

namespace dfsim {

namespace {

// TODO: use workload/formats/npy.h once merged. Until then, a minimal private NumPy .npy reader (float32)
// and writer (int8/int16/int32), C order, 1 to 4 dimensions, format versions 1.0 to 3.0 read
// and 1.0 written. Byte order is handled explicitly, so it does not depend on the host's.
namespace npy {

const std::string kMagic("\x93" "NUMPY", 6);

struct FloatArray {
    std::vector<int> shape;  // as in the file, 1 to 4 entries
    FloatTensor t;           // shape padded with trailing 1s
};

uint32_t load_le(const std::string& s, size_t pos, int bytes) {
    uint32_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s[pos + static_cast<size_t>(i)]);
    return v;
}

void store_le(std::string& s, uint32_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

// The text of `key`'s value in the header dict: a quoted string without its quotes, a tuple
// without its parentheses, or a bare word (True, False).
std::string dict_value(const std::string& h, const std::string& key, const std::string& path) {
    std::string norm = h;
    std::replace(norm.begin(), norm.end(), '"', '\'');
    const size_t k = norm.find("'" + key + "'");
    size_t p = k == std::string::npos ? k : norm.find(':', k);
    if (p == std::string::npos) throw ConfigError(path, key, 0, 0, "missing from the .npy header");
    p = norm.find_first_not_of(' ', p + 1);
    if (p == std::string::npos) throw ConfigError(path, key, 0, 0, "has no value in the .npy header");
    const char open = norm[p];
    const char close = open == '\'' ? '\'' : open == '(' ? ')' : '\0';
    if (close != '\0') {
        const size_t e = norm.find(close, p + 1);
        if (e == std::string::npos) throw ConfigError(path, key, 0, 0, "is not closed in the .npy header");
        return norm.substr(p + 1, e - p - 1);
    }
    const size_t e = norm.find_first_of(",}", p);
    std::string v = norm.substr(p, e == std::string::npos ? std::string::npos : e - p);
    while (!v.empty() && v.back() == ' ') v.pop_back();
    return v;
}

std::vector<int> parse_shape(const std::string& tuple, const std::string& path) {
    std::vector<int> shape;
    std::stringstream ss(tuple);
    std::string item;
    while (std::getline(ss, item, ',')) {
        item.erase(0, item.find_first_not_of(' '));
        item.erase(item.find_last_not_of(' ') + 1);
        if (item.empty()) continue;  // the trailing comma of a 1-tuple
        if (item.find_first_not_of("0123456789") != std::string::npos || item.size() > 9)
            throw ConfigError(path, "shape", 0, 0, "expected a tuple of sizes, got '(" + tuple + ")'");
        shape.push_back(std::stoi(item));
    }
    if (shape.empty() || shape.size() > 4)
        throw ConfigError(path, "shape", 0, 0, "expected 1 to 4 dimensions, got " + std::to_string(shape.size()));
    size_t n = 1;
    for (int d : shape) {
        if (d == 0) throw ConfigError(path, "shape", 0, 0, "expected a non-empty array, got shape (" + tuple + ")");
        n *= static_cast<size_t>(d);
        if (n > static_cast<size_t>(INT_MAX)) throw ConfigError(path, "shape", 0, 0, "array too large (over 2^31 elements)");
    }
    return shape;
}

FloatArray read_float32(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ConfigError(path, "", 0, 0, "cannot open the input file");
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string s = ss.str();
    if (s.size() < 10 || s.compare(0, 6, kMagic) != 0)
        throw ConfigError(path, "", 0, 0, "not a NumPy .npy file (no \\x93NUMPY magic)");
    const int major = static_cast<unsigned char>(s[6]);
    if (major < 1 || major > 3) throw ConfigError(path, "", 0, 0, "unsupported .npy format version " + std::to_string(major));
    const size_t start = major == 1 ? 10 : 12;
    if (s.size() < start) throw ConfigError(path, "", 0, 0, "truncated .npy header");
    const size_t hlen = load_le(s, 8, major == 1 ? 2 : 4);
    if (s.size() < start + hlen) throw ConfigError(path, "", 0, 0, "truncated .npy header");
    const std::string h = s.substr(start, hlen);

    const std::string descr = dict_value(h, "descr", path);
    if (descr != "<f4")
        throw ConfigError(path, "descr", 0, 0,
                          "expected a float32 array ('<f4'), got '" + descr + "' (save it with x.astype(np.float32))");
    if (dict_value(h, "fortran_order", path) != "False")
        throw ConfigError(path, "fortran_order", 0, 0, "expected a C-order array (fortran_order False)");
    FloatArray a;
    a.shape = parse_shape(dict_value(h, "shape", path), path);
    a.t.dim = {1, 1, 1, 1};
    std::copy(a.shape.begin(), a.shape.end(), a.t.dim.begin());
    const size_t n = static_cast<size_t>(a.t.dim[0]) * a.t.dim[1] * a.t.dim[2] * a.t.dim[3];
    if (s.size() - start - hlen != 4 * n)
        throw ConfigError(path, "", 0, 0,
                          "expected " + std::to_string(4 * n) + " bytes of float32 data for the shape in the header, found " +
                              std::to_string(s.size() - start - hlen));
    a.t.data.resize(n);
    for (size_t i = 0; i < n; ++i) a.t.data[i] = std::bit_cast<float>(load_le(s, start + hlen + 4 * i, 4));
    return a;
}

// A version 1.0 .npy file of signed integers `bytes` wide (1, 2 or 4; the values must fit).
std::string int_array(const std::vector<int>& shape, const std::vector<int32_t>& v, int bytes) {
    std::string dims;
    for (size_t i = 0; i < shape.size(); ++i) {
        if (i) dims += ", ";
        dims += std::to_string(shape[i]);
    }
    if (shape.size() == 1) dims += ",";  // a Python 1-tuple
    const std::string descr = bytes == 1 ? "|i1" : bytes == 2 ? "<i2" : "<i4";
    std::string dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + dims + "), }";
    // magic, version, header length, dict, newline: padded with spaces to a multiple of 64 bytes
    dict.append((64 - (10 + dict.size() + 1) % 64) % 64, ' ');
    dict += "\n";
    std::string s = kMagic + std::string("\x01\x00", 2);
    store_le(s, static_cast<uint32_t>(dict.size()), 2);
    s += dict;
    for (int32_t x : v) store_le(s, static_cast<uint32_t>(x), bytes);
    return s;
}

}  // namespace npy

const char* scheme_name(QuantScheme s) {
    switch (s) {
    case QuantScheme::Linear: return "linear";
    case QuantScheme::Fixed: return "fixed";
    case QuantScheme::Ternary: return "ternary";
    case QuantScheme::Binary: return "binary";
    }
    return "?";
}

ConfigError option_error(const std::string& option, const std::string& expected) {
    return ConfigError("command line", option, 0, 0, expected);
}

// The spec the options describe; throws ConfigError naming the option for an option the scheme
// does not use or a value out of range.
QuantSpec spec_from(const QuantizeOptions& o) {
    QuantSpec s;
    if (o.scheme == "linear") s.scheme = QuantScheme::Linear;
    else if (o.scheme == "fixed") s.scheme = QuantScheme::Fixed;
    else if (o.scheme == "ternary") s.scheme = QuantScheme::Ternary;
    else if (o.scheme == "binary") s.scheme = QuantScheme::Binary;
    else throw option_error("--scheme", "expected one of {linear, fixed, ternary, binary}, got '" + o.scheme + "'");
    if (o.rounding == "nearest") s.rounding = Rounding::Nearest;
    else if (o.rounding == "stochastic") s.rounding = Rounding::Stochastic;
    else throw option_error("--rounding", "expected one of {nearest, stochastic}, got '" + o.rounding + "'");

    const bool linear = s.scheme == QuantScheme::Linear, fixed = s.scheme == QuantScheme::Fixed;
    auto only = [&](bool given, bool applies, const char* option, const std::string& why) {
        if (given && !applies) throw option_error(option, "not used by --scheme " + o.scheme + ": " + why);
    };
    only(o.bits.has_value(), linear, "--bits", "it applies to linear (fixed: the word is --il + --fl; ternary 2 bits, binary 1)");
    only(o.asymmetric, linear, "--asymmetric", "it applies to linear");
    only(o.is_unsigned, linear, "--unsigned", "it applies to linear");
    only(o.il.has_value() || o.fl.has_value(), fixed, o.il ? "--il" : "--fl", "it applies to fixed");
    only(o.threshold.has_value(), s.scheme == QuantScheme::Ternary, "--threshold", "it applies to ternary");
    only(o.per_channel, !fixed, "--per-channel", "a fixed-point format is one step for the whole tensor");
    only(s.rounding == Rounding::Stochastic, linear || fixed, "--rounding",
         "stochastic rounding applies to linear and fixed (ternary and binary codes are thresholds)");

    s.bits = o.bits.value_or(s.bits);
    s.symmetric = !o.asymmetric;
    s.is_signed = !o.is_unsigned;
    s.per_channel = o.per_channel;
    s.il = o.il.value_or(s.il);
    s.fl = o.fl.value_or(s.fl);
    s.seed = o.seed;
    s.prune = o.prune;
    s.ternary_threshold = o.threshold.value_or(s.ternary_threshold);
    try {
        check_quant_spec(s);
    } catch (const std::invalid_argument& e) {
        throw option_error("", e.what());  // the message names the field, which is the option's name
    }
    return s;
}

std::string join_shape(const std::vector<int>& shape) {
    std::string r;
    for (size_t i = 0; i < shape.size(); ++i) {
        if (i) r += "x";
        r += std::to_string(shape[i]);
    }
    return r;
}

// The first few numbers of a list, then how many there are.
template <typename T>
std::string first_few(const std::vector<T>& v) {
    const size_t shown = 8;
    std::string r;
    for (size_t i = 0; i < v.size() && i < shown; ++i) {
        if (i) r += " ";
        r += fmt("%.6g", static_cast<double>(v[i]));
    }
    if (v.size() > shown) r += " ... (" + std::to_string(v.size()) + " in all)";
    return r;
}

std::string describe(const QuantSpec& s, const Quantized& q) {
    const std::string where = s.per_channel ? "per channel (" + std::to_string(q.scale.size()) + " scales)" : "per tensor";
    const std::string rounding = s.rounding == Rounding::Nearest ? "nearest rounding" : "stochastic rounding, seed " + std::to_string(s.seed);
    switch (s.scheme) {
    case QuantScheme::Linear:
        return "linear, " + std::to_string(s.bits) + "-bit " + (s.is_signed ? "signed " : "unsigned ") +
               (s.symmetric ? "symmetric, " : "asymmetric, ") + where + ", " + rounding;
    case QuantScheme::Fixed:
        return "fixed <" + std::to_string(s.il) + "," + std::to_string(s.fl) + ">, " + std::to_string(s.il + s.fl) +
               "-bit signed, step 2^-" + std::to_string(s.fl) + ", range [" + fmt("%.8g", -std::ldexp(1.0, s.il - 1)) + ", " +
               fmt("%.8g", std::ldexp(1.0, s.il - 1) - std::ldexp(1.0, -s.fl)) + "], " + rounding;
    case QuantScheme::Ternary:
        return "ternary {-1,0,+1} x alpha, threshold " + fmt("%g", s.ternary_threshold) + " x mean|w|, " + where;
    case QuantScheme::Binary: return "binary {-1,+1} x alpha (alpha = mean|w|, 0 -> +1), " + where;
    }
    return "";
}

int quantize_or_throw(const QuantizeOptions& o, std::ostream& out) {
    namespace fs = std::filesystem;
    if (o.in.empty()) throw option_error("--in", "expected the float32 .npy file to quantize");
    if (o.out.empty()) throw option_error("--out", "expected the .npy file to write the codes to");
    std::string sidecar = o.sidecar;
    if (sidecar.empty()) {
        fs::path p(o.out);
        sidecar = p.extension() == ".npy" ? p.replace_extension(".json").string() : o.out + ".json";
    }
    if (fs::path(sidecar).lexically_normal() == fs::path(o.out).lexically_normal())
        throw option_error("--sidecar", "expected a file other than --out ('" + o.out + "')");
    const QuantSpec spec = spec_from(o);

    const npy::FloatArray a = npy::read_float32(o.in);
    Quantized q;
    try {
        q = quantize(a.t, spec);
    } catch (const std::invalid_argument& e) {  // the spec was checked: this is about the data
        throw ConfigError(o.in, "", 0, 0, e.what());
    }

    const auto [lo, hi] = std::minmax_element(q.values.data.begin(), q.values.data.end());
    const int bytes = *lo >= INT8_MIN && *hi <= INT8_MAX ? 1 : *lo >= INT16_MIN && *hi <= INT16_MAX ? 2 : 4;
    const char* dtype = bytes == 1 ? "int8" : bytes == 2 ? "int16" : "int32";
    const bool exact = std::isinf(q.sqnr_db) && q.sqnr_db > 0;

    nlohmann::json j;
    j["input"] = o.in;
    j["codes"] = o.out;
    j["shape"] = a.shape;
    j["dtype"] = dtype;
    j["meaning"] = "real = scale[c] * code, c = index along dimension 0 if there is one scale per channel, else 0; "
                   "the integer of the format is code + zero_point[c]";
    j["scheme"] = scheme_name(spec.scheme);
    j["bits"] = q.bits;
    j["signed"] = q.is_signed;
    if (spec.scheme == QuantScheme::Linear) j["symmetric"] = spec.symmetric;
    if (spec.scheme == QuantScheme::Fixed) {
        j["il"] = spec.il;
        j["fl"] = spec.fl;
    }
    if (spec.scheme == QuantScheme::Ternary) j["ternary_threshold"] = spec.ternary_threshold;
    j["per_channel"] = spec.per_channel;
    if (spec.scheme == QuantScheme::Linear || spec.scheme == QuantScheme::Fixed) {
        j["rounding"] = o.rounding;
        if (spec.rounding == Rounding::Stochastic) j["seed"] = spec.seed;
    }
    j["prune"] = spec.prune;
    j["scale"] = q.scale;
    j["zero_point"] = q.zero_point;
    j["zero_fraction"] = q.zero_fraction;
    j["sqnr_db"] = exact ? nlohmann::json(nullptr) : nlohmann::json(q.sqnr_db);  // null: exact (infinite SQNR)
    j["max_abs_error"] = q.max_abs_error;
    j["saturated"] = q.saturated;

    // Everything is computed: only now write, codes first, each atomically.
    const std::string codes = npy::int_array(a.shape, q.values.data, bytes);
    const std::string side = j.dump(2) + "\n";
    try {
        write_file_atomic(o.out, codes);
    } catch (const std::exception& e) {
        throw option_error("--out", e.what());
    }
    try {
        write_file_atomic(sidecar, side);
    } catch (const std::exception& e) {
        std::error_code ec;
        fs::remove(o.out, ec);  // codes without their scales would be misread
        throw option_error("--sidecar", e.what());
    }

    out << "dfsim quantize: " << o.in << " (" << join_shape(a.shape) << " float32) -> " << o.out << " (" << dtype
        << " codes), scales in " << sidecar << "\n";
    out << "scheme         " << describe(spec, q) << "\n";
    out << "scale          " << first_few(q.scale) << "\n";
    if (spec.scheme == QuantScheme::Linear && !spec.symmetric) out << "zero point     " << first_few(q.zero_point) << "\n";
    if (spec.prune > 0) out << "pruned         " << fmt("%.1f", 100 * spec.prune) << "% of the values by magnitude first\n";
    out << "zero codes     " << fmt("%.2f", 100 * q.zero_fraction) << "%\n";
    out << "saturated      " << q.saturated << "\n";
    out << "SQNR           " << (exact ? std::string("inf (exact)") : fmt("%.2f", q.sqnr_db) + " dB") << "\n";
    out << "max abs error  " << fmt("%.6g", q.max_abs_error) << "\n";
    return 0;
}

}  // namespace

int run_quantize(const QuantizeOptions& o, std::ostream& out, std::ostream& err) {
    try {
        return quantize_or_throw(o, out);
    } catch (const ConfigError& e) {
        err << "dfsim: error: " << e.what() << "\n";
    }
    return 2;
}

}  // namespace dfsim
