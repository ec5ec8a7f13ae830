// `dfsim quantize`: reads a float32 NumPy .npy tensor (workload/formats/npy.h), quantizes it
// (quant/quantize.h), writes the integer codes as .npy and the scales and zero points as a JSON
// sidecar, and prints a short report (scheme, scales, zero fraction, SQNR, largest error).
//
// The codes are written as the library holds them, centred (real = scale[c] * code, c the index
// of dimension 0 when there is one scale per channel); the integer of the chosen format is
// code + zero_point[c]. Their dtype is the smallest of int8, int16, int32 that holds them all.
// The shape is the input's. Both files are written atomically, and only once everything has
// been checked and computed: a bad option or input, or an output in a folder that does not exist,
// writes nothing (exit code 2); an output that cannot be written is an IoError (exit code 4), and
// codes whose sidecar failed are removed.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <vector>

#include "base/atomic_file.h"
#include "base/error.h"
#include "base/fmt.h"
#include "quant/quantize.h"
#include "tools/dfsim/cli.h"
#include "workload/formats/npy.h"

namespace dfsim {

namespace {

// The command line as given. The optional fields are those that only some schemes use: giving
// one to a scheme that does not use it is an error rather than silently ignored.
struct QuantizeOptions {
    std::string in;  // float32 .npy, C order, 1 to 4 dimensions
    std::string out;  // codes .npy
    std::string sidecar;  // scales JSON; empty: `out` with .npy replaced by .json
    std::string scheme = "linear";  // linear | fixed | ternary | binary
    std::optional<int> bits;  // linear [8]
    bool asymmetric = false;  // linear
    bool is_unsigned = false;  // linear
    bool per_channel = false;  // linear, ternary, binary
    std::optional<int> il, fl;  // fixed [4, 4]
    std::string rounding = "nearest";  // nearest | stochastic (linear, fixed)
    uint64_t seed = 1;  // stochastic rounding
    double prune = 0.0;  // magnitude pruning to this sparsity first, [0, 1)
    std::optional<double> threshold;  // ternary: delta = threshold * mean|w| [0.7]
};

// The float32 input: any other dtype, a 0-d or empty array, or one of more than 2^31 values is
// refused. The shape is padded with trailing 1s (dimension 0 stays the channel dimension).
struct FloatArray {
    std::vector<int> shape;  // as in the file, 1 to 4 entries
    FloatTensor t;
};

FloatArray read_float32(const std::string& path) {
    const NpyArray a = read_npy(path);
    if (a.dtype != "f4")
        throw ConfigError(
            path, "descr", 0, 0,
            "expected a float32 array ('<f4'), got '" + a.dtype + "' (save it with x.astype(np.float32))");
    if (a.shape.empty()) throw ConfigError(path, "shape", 0, 0, "expected 1 to 4 dimensions, got a 0-d array");
    FloatArray r;
    r.t.dim = {1, 1, 1, 1};
    for (size_t i = 0; i < a.shape.size(); ++i) {
        if (a.shape[i] == 0) throw ConfigError(path, "shape", 0, 0, "expected a non-empty array");
        if (a.shape[i] > INT_MAX || a.size() > static_cast<size_t>(INT_MAX))
            throw ConfigError(path, "shape", 0, 0, "array too large (over 2^31 elements)");
        r.shape.push_back(static_cast<int>(a.shape[i]));
        r.t.dim[i] = r.shape.back();
    }
    r.t.data.assign(a.values.begin(), a.values.end());  // exact: the values are float32
    return r;
}

const char* scheme_name(QuantScheme s) {
    switch (s) {
        case QuantScheme::Linear:
            return "linear";
        case QuantScheme::Fixed:
            return "fixed";
        case QuantScheme::Ternary:
            return "ternary";
        case QuantScheme::Binary:
            return "binary";
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
    if (o.scheme == "linear")
        s.scheme = QuantScheme::Linear;
    else if (o.scheme == "fixed")
        s.scheme = QuantScheme::Fixed;
    else if (o.scheme == "ternary")
        s.scheme = QuantScheme::Ternary;
    else if (o.scheme == "binary")
        s.scheme = QuantScheme::Binary;
    else
        throw option_error("--scheme", "expected one of {linear, fixed, ternary, binary}, got '" + o.scheme + "'");
    if (o.rounding == "nearest")
        s.rounding = Rounding::Nearest;
    else if (o.rounding == "stochastic")
        s.rounding = Rounding::Stochastic;
    else
        throw option_error("--rounding", "expected one of {nearest, stochastic}, got '" + o.rounding + "'");

    const bool linear = s.scheme == QuantScheme::Linear, fixed = s.scheme == QuantScheme::Fixed;
    auto only = [&](bool given, bool applies, const char* option, const std::string& why) {
        if (given && !applies) throw option_error(option, "not used by --scheme " + o.scheme + ": " + why);
    };
    only(o.bits.has_value(), linear, "--bits",
         "it applies to linear (fixed: the word is --il + --fl; ternary 2 bits, binary 1)");
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
    const std::string where =
        s.per_channel ? "per channel (" + std::to_string(q.scale.size()) + " scales)" : "per tensor";
    const std::string rounding =
        s.rounding == Rounding::Nearest ? "nearest rounding" : "stochastic rounding, seed " + std::to_string(s.seed);
    switch (s.scheme) {
        case QuantScheme::Linear:
            return "linear, " + std::to_string(s.bits) + "-bit " + (s.is_signed ? "signed " : "unsigned ") +
                   (s.symmetric ? "symmetric, " : "asymmetric, ") + where + ", " + rounding;
        case QuantScheme::Fixed:
            return "fixed <" + std::to_string(s.il) + "," + std::to_string(s.fl) + ">, " + std::to_string(s.il + s.fl) +
                   "-bit signed, step 2^-" + std::to_string(s.fl) + ", range [" +
                   fmt("%.8g", -std::ldexp(1.0, s.il - 1)) + ", " +
                   fmt("%.8g", std::ldexp(1.0, s.il - 1) - std::ldexp(1.0, -s.fl)) + "], " + rounding;
        case QuantScheme::Ternary:
            return "ternary {-1,0,+1} x alpha, threshold " + fmt("%g", s.ternary_threshold) + " x mean|w|, " + where;
        case QuantScheme::Binary:
            return "binary {-1,+1} x alpha (alpha = mean|w|, 0 -> +1), " + where;
    }
    return "";
}

// The sidecar's path: --sidecar, else --out with .json for .npy (or .json appended).
std::string sidecar_path(const QuantizeOptions& o) {
    namespace fs = std::filesystem;
    std::string sidecar = o.sidecar;
    if (sidecar.empty()) {
        fs::path p(o.out);
        sidecar = p.extension() == ".npy" ? p.replace_extension(".json").string() : o.out + ".json";
    }
    if (fs::path(sidecar).lexically_normal() == fs::path(o.out).lexically_normal())
        throw option_error("--sidecar", "expected a file other than --out ('" + o.out + "')");
    return sidecar;
}

// The scales, zero points and figures of the codes, as the sidecar holds them.
nlohmann::json sidecar_json(const QuantizeOptions& o, const QuantSpec& spec, const FloatArray& a, const Quantized& q,
                            const char* dtype, bool exact) {
    nlohmann::json j;
    j["input"] = o.in;
    j["codes"] = o.out;
    j["shape"] = a.shape;
    j["dtype"] = dtype;
    j["meaning"] =
        "real = scale[c] * code, c = index along dimension 0 if there is one scale per channel, else 0; "
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
    return j;
}

void print_report(std::ostream& out, const QuantizeOptions& o, const std::string& sidecar, const QuantSpec& spec,
                  const FloatArray& a, const Quantized& q, const char* dtype, bool exact) {
    out << "dfsim quantize: " << o.in << " (" << join_shape(a.shape) << " float32) -> " << o.out << " (" << dtype
        << " codes), scales in " << sidecar << "\n";
    out << "scheme         " << describe(spec, q) << "\n";
    out << "scale          " << first_few(q.scale) << "\n";
    if (spec.scheme == QuantScheme::Linear && !spec.symmetric)
        out << "zero point     " << first_few(q.zero_point) << "\n";
    if (spec.prune > 0)
        out << "pruned         " << fmt("%.1f", 100 * spec.prune) << "% of the values by magnitude first\n";
    out << "zero codes     " << fmt("%.2f", 100 * q.zero_fraction) << "%\n";
    out << "saturated      " << q.saturated << "\n";
    out << "SQNR           " << (exact ? std::string("inf (exact)") : fmt("%.2f", q.sqnr_db) + " dB") << "\n";
    out << "max abs error  " << fmt("%.6g", q.max_abs_error) << "\n";
}

// Throws ConfigError for a bad option or input, IoError for an output that cannot be written.
int run(const QuantizeOptions& o) {
    if (o.in.empty()) throw option_error("--in", "expected the float32 .npy file to quantize");
    if (o.out.empty()) throw option_error("--out", "expected the .npy file to write the codes to");
    const std::string sidecar = sidecar_path(o);
    const QuantSpec spec = spec_from(o);
    cli::check_outputs({{"--out", o.out}, {"--sidecar", sidecar}});
    const FloatArray a = read_float32(o.in);
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
    const std::string side = sidecar_json(o, spec, a, q, dtype, exact).dump(2) + "\n";

    // Everything is computed: only now write, codes first, each atomically.
    write_npy(o.out, q.values,
              bytes == 1   ? "i1"
              : bytes == 2 ? "i2"
                           : "i4",
              std::vector<int64_t>(a.shape.begin(), a.shape.end()));
    try {
        write_file_atomic(sidecar, side);
    } catch (const IoError&) {
        std::error_code ec;
        std::filesystem::remove(o.out, ec);  // codes without their scales would be misread
        throw;
    }
    print_report(std::cout, o, sidecar, spec, a, q, dtype, exact);
    return cli::kExitOk;
}

}  // namespace

namespace cli {

namespace {

// The options with defaults shown in --help; passed on only when given, since an option the
// scheme does not use is an error.
struct QuantizeCli {
    QuantizeOptions o;
    int bits = 8, il = 4, fl = 4;
    double threshold = 0.7;
    CLI::Option *bits_opt = nullptr, *il_opt = nullptr, *fl_opt = nullptr, *threshold_opt = nullptr;

    int run_given() {
        if (bits_opt->count()) o.bits = bits;
        if (il_opt->count()) o.il = il;
        if (fl_opt->count()) o.fl = fl;
        if (threshold_opt->count()) o.threshold = threshold;
        return run(o);
    }
};

}  // namespace

Command add_quantize_command(CLI::App& parent) {
    auto c = std::make_shared<QuantizeCli>();
    QuantizeOptions& o = c->o;
    CLI::App* app =
        parent.add_subcommand("quantize", "quantize a float32 .npy tensor: integer codes (.npy) and scales (JSON)");
    app->add_option("--in", o.in, "float32 .npy tensor (C order, 1-4 dimensions)")->required();
    app->add_option("--out", o.out, "codes .npy to write (atomically): int8 if they fit, else int16 (int32)")
        ->required();
    app->add_option("--sidecar", o.sidecar, "scales and zero points JSON (default: --out with .json for .npy)");
    app->add_option("--scheme", o.scheme, "linear, fixed, ternary or binary")->capture_default_str();
    c->bits_opt = app->add_option("--bits", c->bits, "linear: bits per code, 1-16")->capture_default_str();
    app->add_flag("--asymmetric", o.asymmetric, "linear: min..max range with a zero point (default: symmetric)");
    app->add_flag("--unsigned", o.is_unsigned, "linear: unsigned codes (symmetric: negative values clamp to 0)");
    app->add_flag("--per-channel", o.per_channel, "one scale per index of dimension 0 (linear, ternary, binary)");
    c->il_opt = app->add_option("--il", c->il, "fixed <IL,FL>: integer bits, sign included")->capture_default_str();
    c->fl_opt = app->add_option("--fl", c->fl, "fixed <IL,FL>: fraction bits (step 2^-FL)")->capture_default_str();
    app->add_option("--rounding", o.rounding, "nearest or stochastic (linear, fixed)")->capture_default_str();
    app->add_option("--seed", o.seed, "stochastic rounding seed")->capture_default_str();
    app->add_option("--prune", o.prune, "zero this fraction of smallest magnitudes first, [0, 1)")
        ->capture_default_str();
    c->threshold_opt =
        app->add_option("--threshold", c->threshold, "ternary: delta = threshold x mean|w|")->capture_default_str();
    return {app, [c] { return c->run_given(); }};
}

}  // namespace cli

}  // namespace dfsim
