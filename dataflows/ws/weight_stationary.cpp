#include "dataflows/ws/weight_stationary.h"

#include <algorithm>
#include <sstream>

#include "config/yaml_reader.h"

namespace dfsim {

std::string WeightStationary::description() const {
    return "weight stationary: weights kept in the PE register files, ifmaps multicast along PE rows, "
           "psums accumulated down the columns";
}

std::string WeightStationary::block_summary(const GridMapping& m) const {
    return "cp=" + std::to_string(m.cp) + " rp=" + std::to_string(m.rp) + " mp=" + std::to_string(m.mp) +
           " p=" + std::to_string(m.p);
}

void WeightStationary::pass_loops(const Layer& l, const GridMapping& m, int d, std::ostream& os) const {
    d = reduce_pass_loops(l, m, d, os);
    os << indent(d++) << "for img in [0,Nt), e in [0,Et), f in [0," << l.shape.F() << ")   # weights stay in the RFs\n";
    os << indent(d) << "for m in [0," << m.p << "), s in [0," << l.shape.S
       << "): psum += w * x; psums flow down the column\n";
}

std::string WeightStationary::check_block(const Layer& l, const ArchParams& a, const GridMapping& m) const {
    const int S = l.shape.S;
    const PeParams& pe = a.pe;
    auto words = [](int n) { return " (" + std::to_string(n) + " words)"; };
    if (const std::string bad = check_reduce_rows(l, a, m); !bad.empty()) return bad;
    if (m.p < 1) return "p must be at least 1";
    if (m.p * S > pe.filter_spad_words) return "p*S exceeds the filter RF" + words(pe.filter_spad_words);
    if (m.p > pe.psum_spad_words) return "p exceeds the psum RF" + words(pe.psum_spad_words);
    if (S > pe.ifmap_spad_words) return "S exceeds the ifmap RF" + words(pe.ifmap_spad_words);
    return check_reduce_columns(l, a, m);
}

std::vector<GridMapping> WeightStationary::candidate_blocks(const Layer& l, const ArchParams& a) const {
    const int columns_needed = (l.shape.Mg() + a.cols - 1) / a.cols;
    const int pmax = std::max(1, std::min({a.pe.filter_spad_words / l.shape.S, a.pe.psum_spad_words, columns_needed}));
    return reduce_blocks(l, a, GridVariant::Ws, pmax);
}

void WeightStationary::parse_block(const YamlMap& y, GridMapping& m) const {
    m.cp = static_cast<int>(y.get_int("cp", 1, 1 << 20));
    m.rp = static_cast<int>(y.get_int("rp", 1, 1 << 20));
    m.p = static_cast<int>(y.get_int("p", 1, 1 << 20, 1));
    m.mp = static_cast<int>(y.get_int("mp", 1, 1 << 20));
}

// Per pixel, each column's p psums climb down the chain and leave at its foot; the pass is as
// slow as its busiest resource per pixel, after the weights are in and before the chain drains.
std::pair<ActionCounts, Cycle> WeightStationary::pass_estimate(const Layer& l, const ArchParams& a,
                                                               const GridMapping& m, const GridPassInfo& pi) const {
    const GridPassModel pass = model_grid_pass(l, pi, false);
    const uint64_t n_cols = static_cast<uint64_t>((pi.m_count + m.p - 1) / m.p);
    ActionCounts c = count_pass(l, pi, pass, n_cols, OperandStore::RegisterFile, pass.fwords, pass.fwords);
    AccessCounts& A = c.acc;
    const uint64_t pin = pi.psum_in ? 1 : 0, n = pass.chain, outs = pass.outs;
    const uint64_t in = (n - 1 + pin) * outs;  // psum arrivals at PEs (incl. from the buffer)
    c.psum_adds += in;
    A.at(Level::Rf, DataType::Psum).reads += in + n * outs;
    A.at(Level::Rf, DataType::Psum).writes += in;
    A.at(Level::Noc, DataType::Psum).reads += in + outs;
    A.at(Level::Noc, DataType::Psum).writes += (n + pin) * outs;
    A.at(Level::Glb, DataType::Psum).writes += outs;
    A.at(Level::Glb, DataType::Psum).reads += pin * outs;

    const NocParams& noc = a.noc;
    const uint64_t depth = static_cast<uint64_t>(a.pe.pipeline_depth), pb = static_cast<uint64_t>(a.pe.psum_bits);
    const uint64_t ob = static_cast<uint64_t>(pi.final_out && l.requant.enabled ? l.requant.out.bits : a.pe.psum_bits);
    const uint64_t psums = static_cast<uint64_t>(std::min(m.p, pi.m_count));  // psums per PE (the widest column)
    const uint64_t t_filt = bus_cycles(pass.fwords * static_cast<uint64_t>(l.filter.bits),
                                       std::min<int>(noc.filter_bus_bits, static_cast<int>(a.glb.bits_per_cycle())));
    const uint64_t send = bus_cycles(psums * pb, noc.psum_link_bits);
    const uint64_t hop = psums + send;
    // without room for two pixels' psums a PE waits for its send before the next pixel
    const uint64_t pe_step = psums * l.shape.S + psums + (a.pe.psum_spad_words < 2 * m.p ? depth - 1 + send : 0);
    const uint64_t windows = n * l.shape.S * static_cast<uint64_t>(l.ifmap.bits);  // bits of a pixel's windows
    const uint64_t per_pixel = std::max(
        {pe_step, bus_cycles(windows, noc.ifmap_bus_bits), bus_cycles(pi.m_count * ob, noc.psum_out_bus_bits)});
    return {c, t_filt + pass.pixels * per_pixel + (n - 1) * hop + depth};
}

}  // namespace dfsim
