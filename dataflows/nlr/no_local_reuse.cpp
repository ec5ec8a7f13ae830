#include "dataflows/nlr/no_local_reuse.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "config/yaml_reader.h"

namespace dfsim {

std::string NoLocalReuse::description() const {
    return "no local reuse: no register files, weights unicast from the buffer, ifmaps multicast, "
           "psums reduced down the columns and accumulated in the buffer";
}

std::string NoLocalReuse::block_summary(const GridMapping& m) const {
    return "cp=" + std::to_string(m.cp) + " rp=" + std::to_string(m.rp) + " mp=" + std::to_string(m.mp);
}

void NoLocalReuse::pass_loops(const Layer& l, const GridMapping& m, int d, std::ostream& os) const {
    d = reduce_pass_loops(l, m, d, os);
    os << indent(d++) << "for s in [0," << l.shape.S << "), img in [0,Nt), e in [0,Et), f in [0," << l.shape.F()
       << ")   # no local reuse\n";
    os << indent(d) << "psum(column) = sum of the column's w * x; buffer psum += it\n";
}

std::string NoLocalReuse::check_block(const Layer& l, const ArchParams& a, const GridMapping& m) const {
    if (const std::string bad = check_reduce_rows(l, a, m); !bad.empty()) return bad;
    if (m.p != 1) return "p must be 1 (no register files)";
    return check_reduce_columns(l, a, m);
}

void NoLocalReuse::parse_block(const YamlMap& y, GridMapping& m) const {
    m.cp = static_cast<int>(y.get_int("cp", 1, 1 << 20));
    m.rp = static_cast<int>(y.get_int("rp", 1, 1 << 20));
    m.p = 1;
    m.mp = static_cast<int>(y.get_int("mp", 1, 1 << 20));
}

// Per step (pixel, s), each column sums its products and accumulates the sum in the buffer;
// steps issue one a cycle unless a bus or the buffer port is slower.
std::pair<ActionCounts, Cycle> NoLocalReuse::pass_estimate(const Layer& l, const ArchParams& a, const GridMapping&,
                                                           const GridPassInfo& pi) const {
    const GridPassModel pass = model_grid_pass(l, pi, false);
    ActionCounts c =
        count_pass(l, pi, pass, static_cast<uint64_t>(pi.m_count), OperandStore::None, pass.macs, pass.macs);
    AccessCounts& A = c.acc;
    const uint64_t pin = pi.psum_in ? 1 : 0, n = pass.chain, outs = pass.outs;
    const uint64_t steps = outs * l.shape.S, rmw = outs * (l.shape.S - 1 + pin);  // rmw: steps with an earlier psum
    A.at(Level::Noc, DataType::Psum).writes += n * steps + rmw;
    A.at(Level::Noc, DataType::Psum).reads += n * steps + rmw;
    c.psum_adds += (n - 1) * steps + rmw;
    A.at(Level::Glb, DataType::Psum).reads += rmw;
    A.at(Level::Glb, DataType::Psum).writes += steps;

    const NocParams& noc = a.noc;
    const uint64_t Mp = static_cast<uint64_t>(pi.m_count), pb = static_cast<uint64_t>(a.pe.psum_bits);
    const uint64_t ib = static_cast<uint64_t>(l.ifmap.bits), fb = static_cast<uint64_t>(l.filter.bits);
    const int glb_bits = static_cast<int>(a.glb.bits_per_cycle());
    const uint64_t per_step = std::max(
        {uint64_t{1}, bus_cycles(n * ib, noc.ifmap_bus_bits), bus_cycles(Mp * n * fb, noc.filter_bus_bits),
         bus_cycles(Mp * n * fb + n * ib + 2 * Mp * pb, glb_bits), bus_cycles(Mp * pb, noc.psum_out_bus_bits)});
    const uint64_t red = noc.reduction == NocParams::Reduction::Chain
                             ? n - 1
                             : static_cast<uint64_t>(std::ceil(std::log2(static_cast<double>(n))));
    return {c, pass.pixels * l.shape.S * per_step + static_cast<uint64_t>(a.pe.pipeline_depth) + red + 1};
}

}  // namespace dfsim
