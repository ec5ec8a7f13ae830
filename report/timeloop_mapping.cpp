#include "report/timeloop_mapping.h"

#include <initializer_list>
#include <sstream>
#include <utility>

#include "base/error.h"
#include "config/yaml_reader.h"

namespace dfsim {

namespace {

int cdiv(int a, int b) { return (a + b - 1) / b; }

size_t dim_index(char d) {
    for (size_t i = 0; i < kTimeloopDims.size(); ++i)
        if (kTimeloopDims[i] == d) return i;
    DFSIM_ASSERT(false, std::string("unknown Timeloop dimension ") + d);
    return 0;
}

// A level with the given factors (others 1); `inner` lists its loops innermost first, the other
// dimensions follow in Timeloop's order.
TimeloopLevel level(const std::string& target, bool spatial, std::initializer_list<std::pair<char, int>> factors,
                    const std::string& inner) {
    TimeloopLevel l;
    l.target = target;
    l.spatial = spatial;
    for (const auto& [d, f] : factors) l.factors[dim_index(d)] = f;
    l.permutation = inner;
    for (char d : kTimeloopDims)
        if (l.permutation.find(d) == std::string::npos) l.permutation += d;
    return l;
}

// The fields of a mapping-file entry ({h: 3, e: 13, ..., order: e, ...}).
struct Fields {
    YamlMap y;
    int get(const char* k, int dflt = 1) const { return static_cast<int>(y.get_int(k, 1, INT32_MAX, dflt)); }
};

// The DRAM loops over tiles in the order's loops (outermost first in dfsim); channels innermost
// unless the order places them (four letters: psums spilled).
TimeloopLevel dram_level(const LayerShape& s, const Fields& f) {
    const int nt = f.get("nt"), et = f.get("et", s.E()), mt = f.get("mt", s.Mg()), ct = f.get("ct", s.Cg());
    std::string order = f.y.get_string("order", "e");
    order = order == "e" ? "nemc" : order == "m" ? "nmec" : order.size() == 3 ? order + "c" : order;
    std::string inner;
    for (auto it = order.rbegin(); it != order.rend(); ++it)
        inner += *it == 'n' ? 'N' : *it == 'e' ? 'Q' : *it == 'm' ? 'M' : 'C';
    return level("DRAM", false,
                 {{'C', cdiv(s.Cg(), ct)}, {'M', cdiv(s.Mg(), mt)}, {'N', cdiv(s.N, nt)}, {'Q', cdiv(s.E(), et)}},
                 inner);
}

// Row stationary: pass loops over filter, channel and filter-row blocks and strips of e output rows;
// sets of h x e PEs, r chained per chain, t chains; each PE a row (F outputs) of p filters x q channels.
void rs_levels(const LayerShape& s, const Fields& f, TimeloopMapping& m) {
    const int h = f.get("h"), e = f.get("e"), p = f.get("p"), q = f.get("q"), r = f.get("r"), t = f.get("t");
    const int nt = f.get("nt"), et = f.get("et", s.E()), mt = f.get("mt", s.Mg()), ct = f.get("ct", s.Cg());
    m.levels.push_back(level("RegisterFile", false, {{'R', s.S}, {'C', q}, {'M', p}, {'P', s.F()}}, "RCMP"));
    m.levels.push_back(level("GlobalBuffer", true, {{'S', h}, {'Q', e}, {'C', r}, {'M', t}}, "SQCM"));
    m.levels.push_back(level(
        "GlobalBuffer", false,
        {{'Q', cdiv(et, e)}, {'N', nt}, {'S', cdiv(s.R, h)}, {'C', cdiv(ct, q * r)}, {'M', cdiv(mt, p * t)}}, "QNSCM"));
    m.notes.push_back(
        "row stationary: the array's rows take S (h filter rows) times C (r sets), its columns Q "
        "(e output rows); the t chains (M) fill the rest of both axes, which Timeloop's split cannot say");
}

// Weight stationary and no local reuse: pass loops over filter, channel and filter-row blocks; PE
// rows take (channel, filter row) pairs, columns blocks of p filters.
void reduce_levels(const LayerShape& s, const Fields& f, bool register_files, TimeloopMapping& m) {
    const int cp = f.get("cp"), rp = f.get("rp"), mp = f.get("mp"), p = register_files ? f.get("p") : 1;
    const int nt = f.get("nt"), et = f.get("et", s.E()), mt = f.get("mt", s.Mg()), ct = f.get("ct", s.Cg());
    if (register_files)
        m.levels.push_back(
            level("RegisterFile", false, {{'R', s.S}, {'M', p}, {'P', s.F()}, {'Q', et}, {'N', nt}}, "RMPQN"));
    m.levels.push_back(level("GlobalBuffer", true, {{'C', cp}, {'S', rp}, {'M', cdiv(mp, p)}}, "CSM"));
    if (register_files)
        m.levels.push_back(
            level("GlobalBuffer", false, {{'S', cdiv(s.R, rp)}, {'C', cdiv(ct, cp)}, {'M', cdiv(mt, mp)}}, "SCM"));
    else
        m.levels.push_back(level("GlobalBuffer", false,
                                 {{'P', s.F()},
                                  {'Q', et},
                                  {'N', nt},
                                  {'R', s.S},
                                  {'S', cdiv(s.R, rp)},
                                  {'C', cdiv(ct, cp)},
                                  {'M', cdiv(mt, mp)}},
                                 "PQNRSCM"));
    m.notes.push_back(std::string("the array's rows take C x S (cp channels x rp filter rows), its columns M") +
                      (register_files ? " (mp filters, p per PE)" : " (mp filters)"));
    if (!register_files)
        m.notes.push_back(
            "no local reuse has no register files: the loops over R, N, Q and P that dfsim runs "
            "inside each pass are the buffer's innermost temporal loops here");
}

// Output stationary: pass loops over images and blocks of filters, output rows and columns; each PE
// one output, accumulating over the tile's channels and the filter.
void os_levels(const LayerShape& s, const Fields& f, TimeloopMapping& m) {
    const int mp = f.get("mp"), ep = f.get("ep"), fp = f.get("fp");
    const int nt = f.get("nt"), et = f.get("et", s.E()), mt = f.get("mt", s.Mg()), ct = f.get("ct", s.Cg());
    m.levels.push_back(level("RegisterFile", false, {{'R', s.S}, {'S', s.R}, {'C', ct}}, "RSC"));
    m.levels.push_back(level("GlobalBuffer", true, {{'P', fp}, {'Q', ep}, {'M', mp}}, "PQM"));
    m.levels.push_back(level("GlobalBuffer", false,
                             {{'P', cdiv(s.F(), fp)}, {'Q', cdiv(et, ep)}, {'M', cdiv(mt, mp)}, {'N', nt}}, "PQMN"));
}

// What the levels' factors cannot say: ragged last tiles or blocks, groups.
void ragged_notes(const LayerShape& s, TimeloopMapping& m) {
    const TimeloopFactors ext = timeloop_extents(s);
    for (size_t i = 0; i < kTimeloopDims.size(); ++i) {
        long long prod = 1;
        for (const TimeloopLevel& l : m.levels) prod *= l.factors[i];
        if (prod != ext[i])
            m.notes.push_back(std::string("ragged ") + kTimeloopDims[i] + ": the factors multiply to " +
                              std::to_string(prod) + ", the layer has " + std::to_string(ext[i]) +
                              "; dfsim's last tile or block along it is smaller (Timeloop wants exact factors)");
    }
    if (s.G > 1)
        m.notes.push_back("groups: the factors are one group's (C and M per group); dfsim runs the " +
                          std::to_string(s.G) + " groups inside the DRAM image loop, Timeloop's CNN-Layer has none");
}

}  // namespace

TimeloopFactors timeloop_extents(const LayerShape& s) { return {s.Cg(), s.Mg(), s.S, s.R, s.N, s.F(), s.E()}; }

TimeloopMapping timeloop_mapping(const LayerShape& s, const std::string& dataflow, const std::string& mapping_yaml) {
    const Fields f{YamlMap::from_string(mapping_yaml, "mapping of dataflow " + dataflow)};
    TimeloopMapping m;
    if (dataflow == "rs")
        rs_levels(s, f, m);
    else if (dataflow == "ws" || dataflow == "nlr")
        reduce_levels(s, f, dataflow == "ws", m);
    else if (dataflow == "os-a" || dataflow == "os-b" || dataflow == "os-c")
        os_levels(s, f, m);
    else
        throw UserError("no Timeloop mapping for dataflow '" + dataflow + "'");
    m.levels.push_back(dram_level(s, f));
    ragged_notes(s, m);
    return m;
}

std::string to_timeloop_mapping_yaml(const TimeloopMapping& m, const std::string& layer, const std::string& dataflow,
                                     const std::string& mapping_yaml) {
    std::ostringstream os;
    os << "# layer " << layer << ", dataflow " << dataflow << ": " << mapping_yaml << "\n";
    for (const std::string& n : m.notes) os << "# " << n << "\n";
    os << "mapping:\n";
    for (const TimeloopLevel& l : m.levels) {
        os << "  - target: " << l.target << "\n    type: " << (l.spatial ? "spatial" : "temporal") << "\n    factors:";
        for (size_t i = 0; i < kTimeloopDims.size(); ++i) os << " " << kTimeloopDims[i] << l.factors[i];
        os << "\n    permutation: " << l.permutation << "\n";
    }
    return os.str();
}

}  // namespace dfsim
