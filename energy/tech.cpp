#include "energy/tech.h"

#include "base/error.h"

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace dfsim {

namespace {
// Stillmaker and Baas 2017: energy per operation ~ a vdd^2 + b vdd + c per node, and the area
// scaling table, as tabulated for nodes 130 ... 7 nm (the coefficients as used by open-source
// scaling scripts, e.g. the nodeScale tool; docs/energy.md).
struct NodeFit {
    int nm;
    double a, b, c;
    double area;  // area relative to 45 nm (the paper's area table, 45 nm row)
    double vdd;  // supply assumed when none is given
};
constexpr std::array<NodeFit, 10> kFits{{
    {130, 7.171, -6.709, 2.904, 6.4, 1.3},
    {90, 4.762, -4.781, 2.092, 2.8, 1.2},
    {65, 3.755, -4.398, 1.975, 1.5, 1.0},
    {45, 1.103, -0.362, 0.2767, 1.0, 1.0},
    {32, 0.9559, -0.7823, 0.471, 0.46, 0.9},
    {20, 0.373, -0.1582, 0.04104, 0.21, 0.9},
    {16, 0.2958, -0.1241, 0.03024, 0.19, 0.8},
    {14, 0.2363, -0.09675, 0.02239, 0.17, 0.8},
    {10, 0.2068, -0.09311, 0.02375, 0.1, 0.75},
    {7, 0.1776, -0.09097, 0.02447, 0.059, 0.7},
}};

double poly(const NodeFit& f, double vdd) { return f.a * vdd * vdd + f.b * vdd + f.c; }

// f(node) for a quantity given at the tabulated nodes: exact there, log-log interpolated between.
template <typename F>
double at_node(int nm, F value) {
    if (!tech_node_supported(nm))
        throw std::invalid_argument("technology node " + std::to_string(nm) + " nm is outside 7..130 nm");
    for (size_t i = 0; i < kFits.size(); ++i) {
        if (kFits[i].nm == nm) return value(kFits[i]);
        if (kFits[i].nm > nm && kFits[i + 1].nm < nm) {
            const NodeFit &hi = kFits[i], &lo = kFits[i + 1];
            const double t = (std::log(hi.nm) - std::log(nm)) / (std::log(hi.nm) - std::log(lo.nm));
            return std::exp(std::log(value(hi)) + t * (std::log(value(lo)) - std::log(value(hi))));
        }
    }
    throw std::logic_error("unreachable");
}
}  // namespace

bool tech_node_supported(int node_nm) { return node_nm >= 7 && node_nm <= 130; }

double energy_factor(int node_nm, double vdd) {
    const double ref = poly(kFits[3], 1.0);
    return at_node(node_nm, [&](const NodeFit& f) { return poly(f, vdd); }) / ref;
}

double area_factor(int from_nm, int to_nm) {
    auto area = [](const NodeFit& f) { return f.area; };
    return at_node(to_nm, area) / at_node(from_nm, area);
}

double nominal_vdd(int node_nm) {
    return at_node(node_nm, [](const NodeFit& f) { return f.vdd; });
}

EnergyTable scale_table(const EnergyTable& t, int node_nm, double vdd) {
    EnergyTable s = t;
    const double e = energy_factor(node_nm, vdd) / energy_factor(t.tech.node_nm, t.tech.vdd);
    const double ar = area_factor(t.tech.node_nm, node_nm);
    for (Level l : kLevels) {
        if (l == Level::Dram) continue;
        s.at(l).read *= e;
        s.at(l).write *= e;
    }
    for (double* x : {&s.mac, &s.add, &s.multiply, &s.lut_read, &s.lut_write, &s.xnor_popcount, &s.opreg_write})
        if (*x > 0) *x *= e;
    s.statics.clock_per_mm2_cycle *= e;
    s.area.full_adder_um2 *= ar;
    s.area.sram_bit_um2 *= ar;
    s.area.sram_periphery_um2 *= std::sqrt(ar);  // grows with an array's side
    s.area.pe_other_um2 *= ar;
    GivenArea& g = s.area.given;  // an ART's component areas, as the model's
    g.glb_um2 *= ar, g.chip_other_um2 *= ar, g.datapath_um2 *= ar, g.pe_other_um2 *= ar;
    for (double& x : g.spad_um2) x *= ar;
    s.sizes.noc_reference_span_mm *= std::sqrt(ar);
    s.scaled_from_nm = t.scaled_from_nm ? t.scaled_from_nm : t.tech.node_nm;
    s.tech = {node_nm, vdd};
    return s;
}

std::string technology_text(const EnergyTable& t) {
    char buf[96];
    if (t.scaled_from_nm)
        std::snprintf(buf, sizeof buf, "%d nm, %.2f V (scaled from %d nm)", t.tech.node_nm, t.tech.vdd,
                      t.scaled_from_nm);
    else
        std::snprintf(buf, sizeof buf, "%d nm, %.2f V", t.tech.node_nm, t.tech.vdd);
    return buf;
}

EnergyTable load_energy_table_at(const std::string& path, const std::string& tech, const std::string& what) {
    EnergyTable t = load_energy_table(path);
    if (tech.empty()) return t;
    int node = 0;
    double vdd = 0;
    try {
        parse_tech(tech, node, vdd);
    } catch (const std::invalid_argument& e) {
        throw ConfigError(what + ": " + e.what());
    }
    if (t.unit != EnergyUnit::Pj)
        throw ConfigError(what + ": the energy table " + t.name + " is in " + std::string(to_string(t.unit)) +
                          " units; only a pJ table can be scaled to another node");
    return scale_table(t, node, vdd);
}

void parse_tech(const std::string& text, int& node_nm, double& vdd) {
    const auto at = text.find('@');
    const std::string node = text.substr(0, at);
    char* end = nullptr;
    const long n = std::strtol(node.c_str(), &end, 10);
    if (node.empty() || *end != '\0')
        throw std::invalid_argument("expected NODE or NODE@VDD (nm, volts), e.g. 28 or 7@0.65, got '" + text + "'");
    if (!tech_node_supported(static_cast<int>(n)))
        throw std::invalid_argument("technology node " + node + " nm is outside 7..130 nm");
    node_nm = static_cast<int>(n);
    vdd = nominal_vdd(node_nm);
    if (at != std::string::npos) {
        const std::string v = text.substr(at + 1);
        const double x = std::strtod(v.c_str(), &end);
        if (v.empty() || *end != '\0' || !(x > 0.3 && x < 2.0))
            throw std::invalid_argument("expected a supply in volts between 0.3 and 2.0 after '@', got '" + v + "'");
        vdd = x;
    }
}

}  // namespace dfsim
