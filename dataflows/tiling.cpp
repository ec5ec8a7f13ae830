#include "dataflows/tiling.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <sstream>

#include "base/error.h"
#include "base/flat_map.h"
#include "config/yaml_reader.h"

namespace dfsim {

namespace {
// The order in which the program places each tile's loads and passes (build_tiled_program; the
// controller runs them in it, and schedule_tiles follows it): a double-buffered tensor's load of
// tile k+1 goes ahead of tile k's passes (into the other copy); a single-buffered tensor's load of
// tile k follows tile k-1's passes. Per tile: the single-buffered loads, then (first tile) the
// double-buffered ones, then the next tile's double-buffered ones; ifmap, filters, then spilled
// psums loaded back.
template <typename IfmapLoads, typename FilterLoads, typename PsumLoads, typename Body>
void in_program_order(size_t tiles, const GlbTiling& t, IfmapLoads ifmap_loads, FilterLoads filter_loads,
                      PsumLoads psum_loads, Body body) {
    const Buffering& b = t.buffers;
    auto double_buffered = [&](size_t j) {
        if (b.ifmap) ifmap_loads(j);
        if (b.filter) filter_loads(j);
        if (b.psum) psum_loads(j);
    };
    for (size_t k = 0; k < tiles; ++k) {
        if (!b.ifmap) ifmap_loads(k);
        if (!b.filter) filter_loads(k);
        if (!b.psum) psum_loads(k);
        if (k == 0) double_buffered(0);
        if (k + 1 < tiles) double_buffered(k + 1);
        body(k);
    }
}

uint64_t bytes_of(uint64_t words, int bits) { return (words * static_cast<uint64_t>(bits) + 7) / 8; }

// The counts of `words` of tensor d, `bits` wide, loaded from DRAM into the buffer (uncompressed:
// the analytical model does not see the data; dram.compression moves less).
void count_fill(ActionCounts& c, DataType d, uint64_t words, int bits) {
    c.acc.at(Level::Dram, d).reads += words;
    c.acc.at(Level::Glb, d).writes += words;
    c.dram_raw_bits[static_cast<int>(d)] += words * static_cast<uint64_t>(bits);
    c.dram_moved_bits[static_cast<int>(d)] += words * static_cast<uint64_t>(bits);
}

// The counts of `words` unfinished psums, `bits` wide, spilled: read from the buffer and stored
// to DRAM raw (count_spill_store), or loaded back into the buffer (count_fill of Psum).
void count_spill_store(ActionCounts& c, uint64_t words, int bits) {
    constexpr int psum = static_cast<int>(DataType::Psum);
    c.acc.at(Level::Glb, DataType::Psum).reads += words;
    c.acc.at(Level::Dram, DataType::Psum).writes += words;
    c.dram_spill_writes += words;
    c.dram_raw_bits[psum] += words * static_cast<uint64_t>(bits);
    c.dram_moved_bits[psum] += words * static_cast<uint64_t>(bits);
}

// The counts of `words` finished outputs, `out_bits` wide, read from the buffer and stored to DRAM.
void count_store(ActionCounts& c, uint64_t words, int out_bits) {
    constexpr int psum = static_cast<int>(DataType::Psum);
    c.acc.at(Level::Glb, DataType::Psum).reads += words;
    c.glb_output_reads += words;
    c.acc.at(Level::Dram, DataType::Psum).writes += words;
    c.dram_raw_bits[psum] += words * static_cast<uint64_t>(out_bits);
    c.dram_moved_bits[psum] += words * static_cast<uint64_t>(out_bits);
}

// The width of a layer's final outputs: requantized, or psums.
int output_bits(const Layer& l, const ArchParams& a) { return l.requant.enabled ? l.requant.out.bits : a.pe.psum_bits; }
}  // namespace

namespace {
char loop_letter(TileLoop d) { return "nemc"[static_cast<int>(d)]; }

// " double-buffered", " single-buffered", " single-buffered, filters prefetched", or the
// double-buffered tensors: " double-buffered ifmap+psum".
std::string buffering_summary(const Buffering& b) {
    if (b == Buffering::all(true)) return " double-buffered";
    if (b == Buffering::all(false)) return " single-buffered";
    if (b == Buffering::prefetch_filters()) return " single-buffered, filters prefetched";
    std::string s = " double-buffered ";
    for (const auto& [on, name] : {std::pair{b.ifmap, "ifmap"}, {b.filter, "filter"}, {b.psum, "psum"}})
        if (on) s += std::string(s.back() == ' ' ? "" : "+") + name;
    return s;
}
}  // namespace

LoopNest GlbTiling::nest() const {
    LoopNest n{};
    for (size_t i = 0, k = 0; i < 4; ++i) n[i] = static_cast<int>(i) == c_pos ? TileLoop::C : order[k++];
    return n;
}

std::string GlbTiling::order_name() const {
    if (c_pos == 3 && order == kOrderNEM) return "e";
    if (c_pos == 3 && order == kOrderNME) return "m";
    std::string name;
    for (TileLoop d : nest())
        if (d != TileLoop::C || c_pos != 3) name += loop_letter(d);
    return name;
}

Buffering arch_buffering(const ArchParams& a) {
    return a.glb.double_buffer      ? Buffering::all(true)
           : a.glb.prefetch_filters ? Buffering::prefetch_filters()
                                    : Buffering::all(false);
}

std::string GlbTiling::summary() const {
    std::ostringstream os;
    os << "glb tile ";
    if (Nt > 1) os << "Nt=" << Nt << " ";
    os << "Et=" << Et << " Mt=" << Mt << " Ct=" << Ct << " order=";
    const LoopNest n = nest();
    for (size_t i = 0; i < 4; ++i)
        if (n[i] != TileLoop::N || i != 0) os << loop_letter(n[i]) << (i < 3 ? "," : "");  // n outermost: not named
    os << buffering_summary(buffers);
    return os.str();
}

std::string GlbTiling::yaml_fields() const {
    std::ostringstream os;
    os << "nt: " << Nt << ", et: " << Et << ", mt: " << Mt << ", ct: " << Ct << ", order: " << order_name()
       << ", double_buffer: " << (buffers == Buffering::all(true) ? "true" : "false")
       << ", prefetch_filters: " << (buffers == Buffering::prefetch_filters() ? "true" : "false");
    if (buffers != Buffering::all(true) && buffers != Buffering::all(false) && buffers != Buffering::prefetch_filters())
        os << ", double_ifmap: " << (buffers.ifmap ? "true" : "false")
           << ", double_filter: " << (buffers.filter ? "true" : "false")
           << ", double_psum: " << (buffers.psum ? "true" : "false");
    return os.str();
}

void parse_tiling(const YamlMap& y, const Layer& l, const ArchParams& a, GlbTiling& t) {
    const LayerShape& s = l.shape;
    t.Nt = static_cast<int>(y.get_int("nt", 1, s.N, 1));
    t.Et = static_cast<int>(y.get_int("et", 1, s.E(), s.E()));
    t.Mt = static_cast<int>(y.get_int("mt", 1, s.Mg(), s.Mg()));
    t.Ct = static_cast<int>(y.get_int("ct", 1, s.Cg(), s.Cg()));
    static const std::vector<std::string> names = [] {
        std::vector<std::string> v{"e", "m", "nem", "nme", "enm", "mne", "emn", "men"};
        std::string four = "cemn";  // every order of the four letters, sorted
        do v.push_back(four);
        while (std::next_permutation(four.begin(), four.end()));
        return v;
    }();
    const std::string order = y.get_enum("order", names, "e");
    const std::string letters = order == "e" ? "nem" : order == "m" ? "nme" : order;
    t.c_pos = 3;
    for (size_t i = 0, k = 0; i < letters.size(); ++i) {
        const char x = letters[i];
        if (x == 'c')
            t.c_pos = static_cast<int>(i);
        else
            t.order[k++] = x == 'n' ? TileLoop::N : x == 'e' ? TileLoop::E : TileLoop::M;
    }
    const bool dbl = y.get_bool("double_buffer", a.glb.double_buffer);
    const bool prefetch = y.get_bool("prefetch_filters", a.glb.prefetch_filters);
    t.buffers = dbl ? Buffering::all(true) : prefetch ? Buffering::prefetch_filters() : Buffering::all(false);
    t.buffers.ifmap = y.get_bool("double_ifmap", t.buffers.ifmap);
    t.buffers.filter = y.get_bool("double_filter", t.buffers.filter);
    t.buffers.psum = y.get_bool("double_psum", t.buffers.psum);
}

int GlbTiling::loop_nest(const Layer& l, std::ostream& os) const {
    const LayerShape& s = l.shape;
    int d = 0;
    for (TileLoop loop : nest()) {
        os << indent(d++);
        if (loop == TileLoop::N)
            os << "for n_tile in [0," << s.N << ") step " << Nt << ", g in [0," << s.G << ")";
        else if (loop == TileLoop::E)
            os << "for e_tile in [0," << s.E() << ") step " << Et;
        else if (loop == TileLoop::M)
            os << "for m_tile in [0," << s.Mg() << ") step " << Mt;
        else
            os << "for c_tile in [0," << s.Cg() << ") step " << Ct;
        if (d == 4)
            os << "      # GLB tile: ifmap " << Nt << "x" << Ct << "ch x rows, filters " << Mt << "x" << Ct
               << ", psums " << Nt << "x" << Mt << "x" << Et << "x" << s.F();
        else if (d == 1)
            os << "      # DRAM";
        if (loop == TileLoop::C && d < 4)
            os << (d == 1 ? "; " : "      # ") << "psums spilled to DRAM between channel tiles";
        os << "\n";
    }
    return d;
}

int tile_ifmap_rows(const LayerShape& s, int Et) { return std::min(s.H, (Et - 1) * s.U + s.R); }

uint64_t tiling_glb_bytes(const Layer& l, const ArchParams& a, const GlbTiling& t) {
    const LayerShape& s = l.shape;
    const uint64_t nt = static_cast<uint64_t>(t.Nt);
    const uint64_t ifmap = bytes_of(nt * t.Ct * tile_ifmap_rows(s, t.Et) * s.W, l.ifmap.bits);
    const uint64_t psums = bytes_of(nt * t.Mt * t.Et * s.F(), a.pe.psum_bits);
    const uint64_t filters = bytes_of(static_cast<uint64_t>(t.Mt) * t.Ct * s.R * s.S, l.filter.bits);
    return static_cast<uint64_t>(t.ifmap_copies()) * ifmap + static_cast<uint64_t>(t.filter_copies()) * filters +
           static_cast<uint64_t>(t.psum_copies()) * psums;
}

std::string check_tiling(const Layer& l, const ArchParams& a, const GlbTiling& t) {
    const LayerShape& s = l.shape;
    auto str = [](auto v) { return std::to_string(v); };
    if (t.Nt < 1 || t.Nt > s.N) return "Nt must be in [1, N=" + str(s.N) + "]";
    if (t.Et < 1 || t.Et > s.E()) return "Et must be in [1, E=" + str(s.E()) + "]";
    if (t.Mt < 1 || t.Mt > s.Mg()) return "Mt must be in [1, M/G=" + str(s.Mg()) + "]";
    if (t.Ct < 1 || t.Ct > s.Cg()) return "Ct must be in [1, C/G=" + str(s.Cg()) + "]";
    if (t.c_pos < 0 || t.c_pos > 3) return "the channel loop's place must be in [0, 3]";
    const uint64_t bytes = tiling_glb_bytes(l, a, t);
    if (bytes > static_cast<uint64_t>(a.glb.size_bytes))
        return "tiles need " + str(bytes) + " bytes of global buffer, which holds " + str(a.glb.size_bytes);
    return "";
}

namespace {
// The tile at (n, g, E0, M0, C0) of the layer's tiling.
TileStep make_step(const Layer& l, const GlbTiling& t, int n, int g, int E0, int M0, int C0) {
    const LayerShape& s = l.shape;
    TileStep st;
    st.n = n, st.g = g, st.E0 = E0, st.M0 = M0, st.C0 = C0;
    st.Nt = std::min(t.Nt, s.N - n);
    st.Et = std::min(t.Et, s.E() - E0);
    st.Mt = std::min(t.Mt, s.Mg() - M0);
    st.Ct = std::min(t.Ct, s.Cg() - C0);
    st.row_lo = std::max(0, E0 * s.U - s.P);
    st.row_hi = std::min(s.H, (E0 + st.Et - 1) * s.U + s.R - s.P);
    st.first_c = C0 == 0;
    st.last_c = C0 + st.Ct >= s.Cg();
    return st;
}
}  // namespace

namespace {
// A tile's origin in the DRAM loops: first image, group, first output row, first filter, first channel.
using Origin = std::array<int, 5>;
constexpr int kOriginIndex[4] = {0, 2, 3, 4};  // Origin's index of a TileLoop's coordinate

int loop_extent(const LayerShape& s, TileLoop d) {
    return d == TileLoop::N ? s.N : d == TileLoop::E ? s.E() : d == TileLoop::M ? s.Mg() : s.Cg();
}
int loop_step(const GlbTiling& t, TileLoop d) {
    return d == TileLoop::N ? t.Nt : d == TileLoop::E ? t.Et : d == TileLoop::M ? t.Mt : t.Ct;
}
int count_tiles(int whole, int step) { return (whole + step - 1) / step; }
// Whether DRAM loop d takes more than one step (the image loop: or runs more than one group): a
// step below the extent (count_tiles > 1, without its division: the mapper asks this of every
// set of tile sizes it lists or counts).
bool steps_more_than_once(const LayerShape& s, const GlbTiling& t, TileLoop d) {
    return loop_step(t, d) < loop_extent(s, d) || (d == TileLoop::N && s.G > 1);
}

TileStep make_step(const Layer& l, const GlbTiling& t, const Origin& o) {
    return make_step(l, t, o[0], o[1], o[2], o[3], o[4]);
}

// Runs the body of the DRAM loop nest[k] for its iteration i at `o` (the image loop's body runs the
// groups), with each (origin) the loops inside get; returns the sum of what `inner` returns.
template <typename Inner>
uint64_t loop_iteration(const LayerShape& s, const GlbTiling& t, const LoopNest& nest, int k, int i, Origin o,
                        const Inner& inner) {
    const TileLoop d = nest[static_cast<size_t>(k)];
    o[static_cast<size_t>(kOriginIndex[static_cast<int>(d)])] = i * loop_step(t, d);
    if (d != TileLoop::N) return inner(o);
    uint64_t sum = 0;
    for (int g = 0; g < s.G; ++g) {
        o[1] = g;
        sum += inner(o);
    }
    return sum;
}

void visit_origins(const Layer& l, const GlbTiling& t, const LoopNest& nest, int k, const Origin& o,
                   const std::function<void(const TileStep&)>& visit) {
    const LayerShape& s = l.shape;
    if (k == 4) {
        visit(make_step(l, t, o));
        return;
    }
    const TileLoop d = nest[static_cast<size_t>(k)];
    for (int i = 0; i < count_tiles(loop_extent(s, d), loop_step(t, d)); ++i)
        loop_iteration(s, t, nest, k, i, o, [&](const Origin& inner) {
            visit_origins(l, t, nest, k + 1, inner, visit);
            return uint64_t{0};
        });
}
}  // namespace

void for_each_tile(const Layer& l, const GlbTiling& t, const std::function<void(const TileStep&)>& visit) {
    visit_origins(l, t, t.nest(), 0, Origin{}, visit);
}

bool spills(const Layer& l, const GlbTiling& t) {
    const LayerShape& s = l.shape;
    if (t.c_pos >= 3 || count_tiles(s.Cg(), t.Ct) < 2) return false;
    for (size_t k = static_cast<size_t>(t.c_pos); k < 3; ++k) {
        const TileLoop d = t.order[k];
        if (steps_more_than_once(s, t, d)) return true;
    }
    return false;
}

hw::Box tile_psum_box(const Layer& l, const TileStep& st) {
    return hw::Box{{st.n, st.g * l.shape.Mg() + st.M0, st.E0, 0}, {st.Nt, st.Mt, st.Et, l.shape.F()}};
}

hw::Box tile_ifmap_box(const Layer& l, const TileStep& st) {
    hw::Box b;
    b.lo = {st.n, st.g * l.shape.Cg() + st.C0, st.row_lo, 0};
    b.count = {st.Nt, st.Ct, st.row_hi - st.row_lo, l.shape.W};
    return b;
}

hw::Box tile_filter_box(const Layer& l, const TileStep& st) {
    hw::Box b;
    b.lo = {st.g * l.shape.Mg() + st.M0, st.C0, 0, 0};
    b.count = {st.Mt, st.Ct, l.shape.R, l.shape.S};
    return b;
}

bool TileSlots::ensure(const hw::Box& b) {
    for (int c = 0; c < m_copies; ++c)
        if (m_valid[c] && m_lo[c] == b.lo && m_count[c] == b.count) {
            m_cur = c;
            return false;
        }
    m_cur = (m_cur + 1) % m_copies;
    m_valid[m_cur] = true;
    m_lo[m_cur] = b.lo;
    m_count[m_cur] = b.count;
    return true;
}

hw::Program build_tiled_program(
    const Layer& l, const ArchParams& a, const GlbTiling& t,
    const std::function<void(const TileStep&, const TileSlotIds&, std::vector<hw::Op>&)>& passes) {
    const LayerShape& s = l.shape;
    const int copies = t.ifmap_copies(), f_copies = t.filter_copies(), p_copies = t.psum_copies();
    hw::Program prog;
    prog.layer = hw::layer_params(l);
    int if_slot[2] = {-1, -1}, f_slot[2] = {-1, -1}, p_slot[2] = {-1, -1};
    auto add_slot = [&](DataType d, uint64_t words, int bits, const std::string& name) {
        prog.slots.push_back({d, words, bits, name});
        return static_cast<int>(prog.slots.size()) - 1;
    };
    for (int c = 0; c < std::max({copies, f_copies, p_copies}); ++c) {
        if (c < copies)
            if_slot[c] = add_slot(DataType::Ifmap, static_cast<uint64_t>(t.Nt) * t.Ct * tile_ifmap_rows(s, t.Et) * s.W,
                                  l.ifmap.bits, "ifmap" + std::string(copies > 1 ? std::to_string(c) : ""));
        if (c < f_copies)
            f_slot[c] = add_slot(DataType::Filter, static_cast<uint64_t>(t.Mt) * t.Ct * s.R * s.S, l.filter.bits,
                                 "filter" + std::string(f_copies > 1 ? std::to_string(c) : ""));
        if (c < p_copies)
            p_slot[c] = add_slot(DataType::Psum, static_cast<uint64_t>(t.Nt) * t.Mt * t.Et * s.F(), a.pe.psum_bits,
                                 "psum" + std::string(p_copies > 1 ? std::to_string(c) : ""));
    }
    TileSlots if_slots(copies), f_slots(f_copies);
    int psum_copy = 0, psum_slot = -1;
    const bool spill = spills(l, t);
    struct StepOps {
        std::vector<hw::Op> if_loads, f_loads, p_loads, body;
    };
    std::vector<StepOps> steps;
    for_each_tile(l, t, [&](const TileStep& st) {
        steps.emplace_back();
        StepOps& so = steps.back();
        if (if_slots.ensure(tile_ifmap_box(l, st)))
            so.if_loads.push_back(
                hw::Op{hw::Load{{if_slot[if_slots.current()], hw::DramTensor::Ifmap, tile_ifmap_box(l, st)}}});
        if (f_slots.ensure(tile_filter_box(l, st)))
            so.f_loads.push_back(
                hw::Op{hw::Load{{f_slot[f_slots.current()], hw::DramTensor::Filter, tile_filter_box(l, st)}}});
        if (st.first_c || spill) {  // a new psum tile: the other copy
            psum_copy = (psum_copy + 1) % p_copies;
            psum_slot = p_slot[psum_copy];
        }
        const hw::Box psum_box = tile_psum_box(l, st);
        if (st.first_c)
            so.body.push_back(hw::Op{hw::Shape{psum_slot, psum_box.count}});
        else if (spill)  // the psums spilled after the previous channel tile
            so.p_loads.push_back(hw::Op{hw::Load{{psum_slot, hw::DramTensor::Psum, psum_box}}});
        passes(st, TileSlotIds{if_slot[if_slots.current()], f_slot[f_slots.current()], psum_slot}, so.body);
        if (st.last_c)
            so.body.push_back(hw::Op{hw::Store{{psum_slot, hw::DramTensor::Output, psum_box}}});
        else if (spill)
            so.body.push_back(hw::Op{hw::Store{{psum_slot, hw::DramTensor::Psum, psum_box}}});
    });
    auto append = [&](std::vector<hw::Op>& ops) {
        for (auto& op : ops) prog.ops.push_back(op);
    };
    in_program_order(
        steps.size(), t, [&](size_t k) { append(steps[k].if_loads); }, [&](size_t k) { append(steps[k].f_loads); },
        [&](size_t k) { append(steps[k].p_loads); }, [&](size_t k) { append(steps[k].body); });
    return prog;
}

bool extrapolates_images(const Layer& l, const GlbTiling& t) {
    return t.nest()[0] == TileLoop::N && count_tiles(l.shape.N, t.Nt) > 2 && l.shape.N % t.Nt == 0;
}

TiledTotals tiling_traffic(const Layer& l, const ArchParams& a, const GlbTiling& t,
                           const std::function<void(const TileStep&, TiledTotals&)>& tile) {
    const int out_bits = output_bits(l, a);
    const int p_copies = t.psum_copies();
    const bool spill = spills(l, t);
    TileSlots res_if(t.ifmap_copies()), res_f(t.filter_copies());
    int psum_copy = 0;
    TiledTotals tot, first;
    auto fetch = [&](TileSlots& ts, const hw::Box& b, DataType d, int bits) -> uint64_t {
        if (!ts.ensure(b)) return 0;
        count_fill(tot.counts, d, b.words(), bits);
        const uint64_t bytes = bytes_of(b.words(), bits);
        tot.dram_bytes += bytes;
        return bytes;
    };
    const int n_tiles = count_tiles(l.shape.N, t.Nt);
    const bool extrapolate = extrapolates_images(l, t);
    Layer two = l;
    if (extrapolate) two.shape.N = 2 * t.Nt;
    bool first_done = false;
    std::vector<TileTiming> tiles;  // the tiles walked, in order
    size_t first_tiles = 0;
    for_each_tile(two, t, [&](const TileStep& st) {
        if (st.n == t.Nt && !first_done) {
            first = tot;
            first_tiles = tiles.size();
            first_done = true;
        }
        TileTiming tt;
        tt.ifmap_bytes = fetch(res_if, tile_ifmap_box(l, st), DataType::Ifmap, l.ifmap.bits);
        tt.filter_bytes = fetch(res_f, tile_filter_box(l, st), DataType::Filter, l.filter.bits);
        tt.ifmap_copy = res_if.current(), tt.filter_copy = res_f.current();
        if (st.first_c || spill) psum_copy = (psum_copy + 1) % p_copies;
        tt.psum_copy = psum_copy, tt.first_c = st.first_c;
        const uint64_t w = static_cast<uint64_t>(st.Nt) * st.Mt * st.Et * l.shape.F();
        if (spill && !st.first_c) {  // the psums spilled after the previous channel tile, loaded back
            count_fill(tot.counts, DataType::Psum, w, a.pe.psum_bits);
            tt.psum_bytes = bytes_of(w, a.pe.psum_bits);
            tot.dram_bytes += tt.psum_bytes;
        }
        if (st.last_c) {
            count_store(tot.counts, w, out_bits);
            tt.out_bytes = bytes_of(w, out_bits);
            tot.dram_bytes += tt.out_bytes;
        } else if (spill) {
            count_spill_store(tot.counts, w, a.pe.psum_bits);
            tt.out_bytes = bytes_of(w, a.pe.psum_bits);
            tot.dram_bytes += tt.out_bytes;
        }
        const uint64_t before = tot.pass_cycles;
        tile(st, tot);
        tt.pass_cycles = tot.pass_cycles - before;
        tiles.push_back(tt);
    });
    tot.cycles = schedule_tiles(a, t, tiles);
    if (!extrapolate) return tot;
    // tot = first + second; the image tiles after the first each add second = tot - first
    const uint64_t k = static_cast<uint64_t>(n_tiles) - 1;
    TiledTotals out = first;
    out.counts.combine(tot.counts, [&](uint64_t& x, uint64_t both) { x += k * (both - x); });
    out.pass_cycles += k * (tot.pass_cycles - first.pass_cycles);
    out.dram_bytes += k * (tot.dram_bytes - first.dram_bytes);
    const uint64_t t1 = schedule_tiles(a, t, std::span<const TileTiming>(tiles).first(first_tiles));
    out.cycles = t1 + k * (tot.cycles - std::min(tot.cycles, t1));
    return out;
}

namespace {

// The words a tensor's slots load over the DRAM loops from nest[k] in at origin `o`
// (traffic_counts). uses[d]: whether the tensor's boxes depend on loop d (N, E, M, C).
struct FillWalk {
    const Layer& l;
    const GlbTiling& t;
    TileSlots slots;
    std::array<bool, 4> uses;
    hw::Box (*box)(const Layer&, const TileStep&);
    LoopNest nest = t.nest();

    uint64_t run(int k, const Origin& o) {
        const LayerShape& s = l.shape;
        if (k == 4) {
            const hw::Box b = box(l, make_step(l, t, o));
            return slots.ensure(b) ? b.words() : 0;
        }
        const TileLoop d = nest[static_cast<size_t>(k)];
        const int whole = loop_extent(s, d), step = loop_step(t, d), reps = count_tiles(whole, step);
        auto iteration = [&](int i) {
            return loop_iteration(s, t, nest, k, i, o, [&](const Origin& inner) { return run(k + 1, inner); });
        };
        if (!uses[static_cast<size_t>(d)]) {  // every iteration loads the same boxes
            const uint64_t first = iteration(0);
            return reps == 1 ? first : first + static_cast<uint64_t>(reps - 1) * iteration(1);
        }
        uint64_t words = 0;
        if (d == TileLoop::E && reps > 4) {
            // row tiles: the full ones whose ifmap rows need no clamp at the edges (a run in the
            // middle) translate like the others; run up to the second of them, extrapolate, and
            // run the last two of them and the edge tiles after
            int i1 = -1, i2 = -1;
            for (int i = 0; i < reps; ++i) {
                const int E0 = i * step;
                if (E0 + step <= whole && pass_rows_all_real(s, E0, step, 0, s.R)) {
                    if (i1 < 0) i1 = i;
                    i2 = i;
                }
            }
            if (i1 >= 0 && i2 - i1 >= 4) {
                uint64_t second = 0;
                for (int i = 0; i <= i1 + 1; ++i) second = iteration(i), words += second;
                words += static_cast<uint64_t>(i2 - i1 - 3) * second;
                for (int i = i2 - 1; i < reps; ++i) words += iteration(i);
                return words;
            }
        }
        if (d != TileLoop::E && reps > 4) {
            // image, filter or channel tiles all of one size but the last: their boxes translate,
            // so after the first iteration each full one loads what the second does; the last two
            // are run as well, to leave the slots as the whole loop leaves them (and the last may
            // be a smaller remainder; row tiles differ at the padded edges)
            words = iteration(0);
            const uint64_t second = iteration(1);
            words += static_cast<uint64_t>(reps - 3) * second + iteration(reps - 2) + iteration(reps - 1);
            return words;
        }
        for (int i = 0; i < reps; ++i) words += iteration(i);
        return words;
    }
};

uint64_t ifmap_fills(const Layer& l, const GlbTiling& t) {
    return FillWalk{l, t, TileSlots(t.ifmap_copies()), {true, true, false, true}, tile_ifmap_box}.run(0, Origin{});
}

uint64_t filter_fills(const Layer& l, const GlbTiling& t) {
    return FillWalk{l, t, TileSlots(t.filter_copies()), {false, false, true, true}, tile_filter_box}.run(0, Origin{});
}

// traffic_counts of a tiling whose ifmap and filter fills (words) are known.
ActionCounts traffic_of_fills(const Layer& l, const ArchParams& a, const GlbTiling& t, uint64_t ifmap_words,
                              uint64_t filter_words) {
    const LayerShape& s = l.shape;
    ActionCounts c;
    count_fill(c, DataType::Ifmap, ifmap_words, l.ifmap.bits);
    count_fill(c, DataType::Filter, filter_words, l.filter.bits);
    const uint64_t outputs = static_cast<uint64_t>(s.N) * s.M * s.E() * s.F();
    count_store(c, outputs, output_bits(l, a));  // every output once
    if (spills(l, t)) {  // and stored and loaded back after each channel tile but the last
        const uint64_t spilled = static_cast<uint64_t>(count_tiles(s.Cg(), t.Ct) - 1) * outputs;
        count_fill(c, DataType::Psum, spilled, a.pe.psum_bits);
        count_spill_store(c, spilled, a.pe.psum_bits);
    }
    return c;
}
}  // namespace

ActionCounts traffic_counts(const Layer& l, const ArchParams& a, const GlbTiling& t) {
    return traffic_of_fills(l, a, t, ifmap_fills(l, t), filter_fills(l, t));
}

ActionCounts TrafficMemo::get(const Layer& l, const ArchParams& a, const GlbTiling& t) {
    const std::array<int, 9> key{t.Nt,
                                 t.Et,
                                 t.Mt,
                                 t.Ct,
                                 static_cast<int>(t.order[0]),
                                 static_cast<int>(t.order[1]),
                                 static_cast<int>(t.order[2]),
                                 t.c_pos,
                                 t.buffers.ifmap * 4 + t.buffers.filter * 2 + t.buffers.psum};
    std::array<uint64_t, 2> fills;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        if (const auto* f = m_fills.find(key)) return traffic_of_fills(l, a, t, (*f)[0], (*f)[1]);
    }
    fills = {ifmap_fills(l, t), filter_fills(l, t)};  // outside the lock: another thread may walk them too
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_fills.get_or_make(key, [&] { return fills; });
    }
    return traffic_of_fills(l, a, t, fills[0], fills[1]);
}

ActionCounts compulsory_traffic(const Layer& l, const ArchParams& a) {
    const LayerShape& s = l.shape;
    uint64_t rows = 0;  // ifmap rows some output row reads: e*U - P <= row < e*U - P + R
    for (int row = 0, e = 0; row < s.H; ++row) {
        while (e < s.E() && e * s.U - s.P + s.R <= row) ++e;
        rows += e < s.E() && e * s.U - s.P <= row;
    }
    ActionCounts c;
    count_fill(c, DataType::Ifmap, static_cast<uint64_t>(s.N) * s.C * rows * s.W, l.ifmap.bits);
    count_fill(c, DataType::Filter, static_cast<uint64_t>(s.M) * s.Cg() * s.R * s.S, l.filter.bits);
    count_store(c, static_cast<uint64_t>(s.N) * s.M * s.E() * s.F(), output_bits(l, a));
    return c;
}

GlbTiling whole_layer_tile(const Layer& l) {
    GlbTiling t;
    t.Nt = l.shape.N, t.Et = l.shape.E(), t.Mt = l.shape.Mg(), t.Ct = l.shape.Cg();
    return t;
}

Estimate block_floor(const Layer& l, const ArchParams& a, const EnergyModel& em,
                     const std::pair<ActionCounts, uint64_t>& whole, const ActionCounts& compulsory) {
    ActionCounts counts = compulsory;
    counts += whole.first;
    GlbTiling one_image;  // Nt = 1, images outermost
    Estimate est = tiled_estimate(l, a, one_image, em, counts,
                                  tiled_cycles_lower_bound(l, a, one_image, whole.second, compulsory));
    est.cycles_exact = false;
    est.coarse = true;
    return est;
}

void for_each_tile_class(const Layer& l, const GlbTiling& t,
                         const std::function<void(const TileStep&, uint64_t)>& visit) {
    const LayerShape& s = l.shape;
    // A dimension's tile classes, (first index, count): the full tiles and the remainder.
    struct Classes {
        std::array<std::pair<int, uint64_t>, 3> at;
        size_t n = 0;
        void add(int first, uint64_t count) {
            if (count > 0) at[n++] = {first, count};
        }
        auto begin() const { return at.begin(); }
        auto end() const { return at.begin() + static_cast<std::ptrdiff_t>(n); }
    };
    auto sizes = [](int whole, int step) {
        Classes v;
        v.add(0, static_cast<uint64_t>(whole / step));
        if (whole % step) v.add(whole - whole % step, 1);
        return v;
    };
    // channel tiles: the first, the middle and the last differ (first_c, last_c, the remainder)
    const int Cg = s.Cg(), nc = count_tiles(Cg, t.Ct);
    Classes c_classes;  // (C0, count)
    c_classes.add(0, 1);
    if (nc > 2) c_classes.add(t.Ct, static_cast<uint64_t>(nc - 2));
    if (nc > 1) c_classes.add((nc - 1) * t.Ct, 1);
    // output-row tiles: each its own class, but the full ones whose ifmap rows are all real (no
    // padding, no clamp at the edges) are alike wherever they sit: one class, the first of them
    std::vector<std::pair<int, uint64_t>> e_classes;  // (E0, count)
    int interior = -1;  // index of the interior class in e_classes
    for (int E0 = 0; E0 < s.E(); E0 += t.Et) {
        const bool inside = E0 + t.Et <= s.E() && pass_rows_all_real(s, E0, t.Et, 0, s.R);
        if (inside && interior >= 0) {
            ++e_classes[static_cast<size_t>(interior)].second;
            continue;
        }
        if (inside) interior = static_cast<int>(e_classes.size());
        e_classes.push_back({E0, 1});
    }
    for (const auto& [n, n_count] : sizes(s.N, t.Nt))
        for (const auto& [E0, e_count] : e_classes)
            for (const auto& [M0, m_count] : sizes(s.Mg(), t.Mt))
                for (const auto& [C0, c_count] : c_classes)
                    visit(make_step(l, t, n, 0, E0, M0, C0),
                          n_count * static_cast<uint64_t>(s.G) * e_count * m_count * c_count);
}

uint64_t tiled_cycles_lower_bound(const Layer& l, const ArchParams& a, const GlbTiling& t, uint64_t pass_cycles,
                                  const ActionCounts& traffic) {
    uint64_t bits = 0;
    for (uint64_t b : traffic.dram_moved_bits) bits += b;
    uint64_t channel = static_cast<uint64_t>(static_cast<double>(bits) / 8.0 / a.dram.bytes_per_cycle);
    const uint64_t n_tiles = static_cast<uint64_t>(count_tiles(l.shape.N, t.Nt));
    if (extrapolates_images(l, t)) {
        // tiling_traffic extrapolates from the first image tile's schedule, which holds at least
        // its share of the passes and of the traffic (its filter loads are the most)
        pass_cycles /= n_tiles;
        channel /= n_tiles;
    }
    return std::max(pass_cycles, channel) + a.reconfig_cycles();
}

namespace {

// The state of schedule_tiles: when each resource and slot copy is free or ready.
struct TileSchedule {
    const ArchParams& a;
    uint64_t issue = 0, channel = 0, array = 0, end = 0;  // in-order DMA issue, DRAM channel, array
    uint64_t if_ready[2] = {0, 0}, f_ready[2] = {0, 0};  // the copy's load is in
    uint64_t if_used[2] = {0, 0}, f_used[2] = {0, 0}, psum_used[2] = {0, 0};  // its last pass is done
    uint64_t psum_stored[2] = {0, 0}, psum_ready[2] = {0, 0};  // zeroed or loaded back

    // A transfer issued in order once `dep` is met; returns when its data is there.
    uint64_t transfer(uint64_t bytes, uint64_t dep) {
        issue = std::max(issue, dep);
        const uint64_t start = std::max(issue, channel);
        channel = start + static_cast<uint64_t>(std::ceil(static_cast<double>(bytes) / a.dram.bytes_per_cycle));
        return channel + static_cast<uint64_t>(a.dram.latency_cycles);
    }
    void load_ifmap(const TileTiming& t) {
        if (t.ifmap_bytes) if_ready[t.ifmap_copy] = transfer(t.ifmap_bytes, if_used[t.ifmap_copy]);
    }
    void load_filter(const TileTiming& t) {
        if (t.filter_bytes) f_ready[t.filter_copy] = transfer(t.filter_bytes, f_used[t.filter_copy]);
    }
    void load_psum(const TileTiming& t) {  // spilled psums loaded back once the copy is stored and unused
        const int pc = t.psum_copy;
        if (t.psum_bytes) psum_ready[pc] = transfer(t.psum_bytes, std::max(psum_stored[pc], psum_used[pc]));
    }
    void body(const TileTiming& t) {
        const int pc = t.psum_copy;
        if (t.first_c) {  // the psum tile is shaped (zeroed) once its copy is stored and unused
            issue = std::max({issue, psum_stored[pc], psum_used[pc]});
            psum_ready[pc] = issue;
        }
        const uint64_t start = std::max({array, if_ready[t.ifmap_copy], f_ready[t.filter_copy], psum_ready[pc]});
        array = start + t.pass_cycles;
        if_used[t.ifmap_copy] = f_used[t.filter_copy] = psum_used[pc] = array;
        end = std::max(end, array);
        if (t.out_bytes) {
            psum_stored[pc] = transfer(t.out_bytes, array);
            end = std::max(end, psum_stored[pc]);
        }
    }
};

}  // namespace

uint64_t schedule_tiles(const ArchParams& a, const GlbTiling& t, std::span<const TileTiming> tiles) {
    TileSchedule s{a};
    in_program_order(
        tiles.size(), t, [&](size_t k) { s.load_ifmap(tiles[k]); }, [&](size_t k) { s.load_filter(tiles[k]); },
        [&](size_t k) { s.load_psum(tiles[k]); }, [&](size_t k) { s.body(tiles[k]); });
    return tiles.empty() ? 0 : s.end + a.reconfig_cycles();
}

std::vector<int> tile_sizes(int block, int whole) {
    std::vector<std::pair<int, int>> by_count;  // count of tiles -> the smallest size giving it
    auto add = [&](int size) {
        size = std::min(size, whole);
        const int count = count_tiles(whole, size);
        for (auto& [c, smallest] : by_count)
            if (c == count) {
                smallest = std::min(smallest, size);
                return;
            }
        by_count.emplace_back(count, size);
    };
    for (int k = 1; k <= kNearDivisorTiles; ++k) add((count_tiles(whole, k) + block - 1) / block * block);
    for (int size = block; size < whole; size *= 2) add(size);
    add(whole);
    std::sort(by_count.begin(), by_count.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
    std::vector<int> v;  // most tiles first
    for (const auto& [count, size] : by_count) v.push_back(size);
    return v;
}

namespace {
// The orders a mapper tries for a tiling's sizes (order, c_pos): the six with the channel loop
// innermost, then the six with it right outside the innermost of the others (the spill orders
// that can pay: a loop over filters inside it keeps the ifmap tile resident, one over rows or
// images the filter tile). Of the nests alike as loop nests, only the first: a loop of one step
// may sit anywhere (the image loop only if there is one group: it runs the groups). All that
// depends on is which loops step more than once (`multi`, bit 3 - d for loop d, N E M C), so the
// 16 lists are made once.
const std::vector<std::pair<LoopOrder, int>>& distinct_orders(unsigned multi) {
    static const std::array<std::vector<std::pair<LoopOrder, int>>, 16> lists = [] {
        std::array<std::vector<std::pair<LoopOrder, int>>, 16> all;
        for (unsigned mask = 0; mask < 16; ++mask) {
            std::vector<std::vector<TileLoop>> seen;
            for (int c_pos : {3, 2})
                for (const LoopOrder& order : kLoopOrders) {
                    GlbTiling u;
                    u.order = order, u.c_pos = c_pos;
                    std::vector<TileLoop> nest;
                    for (TileLoop d : u.nest())
                        if (mask >> (3 - static_cast<unsigned>(d)) & 1) nest.push_back(d);
                    if (std::find(seen.begin(), seen.end(), nest) != seen.end()) continue;
                    seen.push_back(nest);
                    all[mask].push_back({order, c_pos});
                }
        }
        return all;
    }();
    return lists[multi];
}
}  // namespace

namespace {
// The bufferings a mapper tries: the architecture's, or with glb.search_buffering, every tensor
// double-buffered, then the psums single-buffered (the widest tiles, whose second copy only
// overlaps a store per output tile), then the ifmap too (the filters prefetched, as the Eyeriss
// chip does), then nothing double-buffered.
struct Bufferings {
    std::array<Buffering, 4> at;
    size_t size;
};
Bufferings buffering_modes(const ArchParams& a) {
    if (!a.glb.search_buffering) return {{arch_buffering(a)}, 1};
    return {{Buffering::all(true), Buffering{true, true, false}, Buffering::prefetch_filters(), Buffering::all(false)},
            4};
}

// tile_sizes, each (block, whole) worked out once per thread (a search asks for the same few
// thousands of times: every block's tilings, and the count of those of the blocks it passes over).
const std::vector<int>& known_tile_sizes(int block, int whole) {
    // each list on the heap on its own: the references stay good as the map grows
    thread_local FlatMap<2, std::unique_ptr<const std::vector<int>>> known;
    return *known.get_or_make({block, whole},
                              [&] { return std::make_unique<const std::vector<int>>(tile_sizes(block, whole)); });
}

}  // namespace

namespace {
// What for_each_tile_sizes goes through for a block: the image counts a tile may take, the tile
// sizes of each dimension (ascending; each <= its extent, so all distinct; the smallest
// min(block, extent), the largest the extent), the bufferings.
struct SizeLists {
    std::array<int, 3> nts{1, 0, 0};
    size_t n_nts = 1;
    const std::vector<int>& c;
    const std::vector<int>& m;
    const std::vector<int>& e;
    Bufferings bufferings;
    std::span<const Buffering> modes() const { return {bufferings.at.data(), bufferings.size}; }
};
SizeLists size_lists(const Layer& l, const ArchParams& a, int m_block, int c_block, int e_block) {
    const LayerShape& s = l.shape;
    SizeLists z{.c = known_tile_sizes(c_block, s.Cg()),
                .m = known_tile_sizes(m_block, s.Mg()),
                .e = known_tile_sizes(e_block, s.E()),
                .bufferings = buffering_modes(a)};
    if (s.N % 4 == 0 && s.N > 4) z.nts[z.n_nts++] = 4;
    if (s.N > 1) z.nts[z.n_nts++] = s.N;
    return z;
}
// The most channels (of c_sizes) a tile of t's other sizes fits in the buffer, 0 if none (the
// sizes ascend, and so does the buffer they need).
int most_channels(const Layer& l, const ArchParams& a, GlbTiling t, const std::vector<int>& c_sizes) {
    int most = 0;
    for (int c : c_sizes) {
        t.Ct = c;
        if (tiling_glb_bytes(l, a, t) > static_cast<uint64_t>(a.glb.size_bytes)) break;
        most = c;
    }
    return most;
}

// for_each_tiling a set of tile sizes at a time: sizes(t, orders) for each set (t's order not
// set yet), with the orders for_each_tiling tries them in. For each buffering (steps 1-3 of
// for_each_tiling): for each image count, the channel tiles up to the most that fit beside the
// smallest filter and row tiles, and for each filter tile the most output rows that fit (fewer
// for more filters: the buffer a tiling needs grows with each tile size, so the search goes on
// down from the last one's). False if not even the smallest tile fits under any buffering.
bool for_each_tile_sizes(
    const Layer& l, const ArchParams& a, int m_block, int c_block, int e_block,
    const std::function<void(const GlbTiling&, const std::vector<std::pair<LoopOrder, int>>&)>& sizes) {
    const LayerShape& s = l.shape;
    const int E = s.E(), Mg = s.Mg();
    const uint64_t cap = static_cast<uint64_t>(a.glb.size_bytes);
    const SizeLists z = size_lists(l, a, m_block, c_block, e_block);
    const auto& [nts, n_nts, c_sizes, m_sizes, e_sizes, bufferings] = z;
    const std::span<const Buffering> modes = z.modes();
    DFSIM_ASSERT(modes.size() <= 4 && e_sizes.size() < 255, "too many bufferings or output-row tile sizes");
    // The tile sizes each buffering tried, to skip them under a buffering with fewer copies: the
    // same tiles in fewer copies never move less traffic (a slot in two copies holds the last
    // tile loaded too) and never overlap more. By (images, channels, filters): of each buffering,
    // the index + 1 of the output-row tile it tried with them (0: none; it tries one at most).
    // (on the stack where they fit: the mapper counts tens of thousands of blocks' tilings a search)
    const size_t n_tried = modes.size() > 1 ? n_nts * c_sizes.size() * m_sizes.size() : 0;
    std::array<std::array<uint8_t, 4>, 2048> on_stack;
    std::vector<std::array<uint8_t, 4>> on_heap(n_tried > on_stack.size() ? n_tried : 0);
    const std::span<std::array<uint8_t, 4>> tried =
        n_tried > on_stack.size() ? std::span(on_heap) : std::span(on_stack).first(n_tried);
    std::fill(tried.begin(), tried.end(), std::array<uint8_t, 4>{});
    bool any = false;
    for (size_t k = 0; k < modes.size(); ++k) {
        const Buffering b = modes[k];
        for (size_t ni = 0; ni < n_nts; ++ni) {
            GlbTiling t;
            t.Nt = nts[ni];
            t.buffers = b;
            t.Mt = std::min(Mg, m_block), t.Et = std::min(E, e_block);
            const int Ct = most_channels(l, a, t, c_sizes);
            if (Ct == 0) break;  // more images fit even less
            any = true;
            // which loops step more than once (bit 3 - d for loop d): the image loop's by the images
            const unsigned n_multi = steps_more_than_once(s, t, TileLoop::N) ? 8u : 0u;
            for (size_t ci = 0; ci < c_sizes.size() && c_sizes[ci] <= Ct; ++ci) {
                t.Ct = c_sizes[ci];
                const unsigned nc_multi = n_multi | (steps_more_than_once(s, t, TileLoop::C) ? 1u : 0u);
                size_t et = e_sizes.size();
                for (size_t mi = 0; mi < m_sizes.size(); ++mi) {
                    t.Mt = m_sizes[mi];
                    for (; et > 0; --et) {
                        t.Et = e_sizes[et - 1];
                        if (tiling_glb_bytes(l, a, t) <= cap) break;
                    }
                    if (et == 0) break;  // larger filter tiles fit even less
                    if (!tried.empty()) {
                        std::array<uint8_t, 4>& same = tried[(ni * c_sizes.size() + ci) * m_sizes.size() + mi];
                        const uint8_t mark = static_cast<uint8_t>(et);
                        bool seen = false;
                        for (size_t o = 0; o <= k && !seen; ++o)  // o = k: sizes this buffering visited already
                            seen = same[o] == mark && modes[o].covers(b);
                        if (seen) continue;
                        same[k] = mark;
                    }
                    const unsigned multi = nc_multi | (steps_more_than_once(s, t, TileLoop::E) ? 4u : 0u) |
                                           (steps_more_than_once(s, t, TileLoop::M) ? 2u : 0u);
                    sizes(t, distinct_orders(multi));
                }
            }
        }
    }
    return any;
}
}  // namespace

bool for_each_tiling(const Layer& l, const ArchParams& a, int m_block, int c_block, int e_block,
                     const std::function<void(const GlbTiling&)>& visit) {
    return for_each_tile_sizes(l, a, m_block, c_block, e_block,
                               [&](GlbTiling t, const std::vector<std::pair<LoopOrder, int>>& orders) {
                                   for (const auto& [order, c_pos] : orders) {
                                       t.order = order, t.c_pos = c_pos;
                                       visit(t);
                                   }
                               });
}

uint64_t count_block_candidates(const Layer& l, const ArchParams& a, int m_block, int c_block, int e_block) {
    const SizeLists z = size_lists(l, a, m_block, c_block, e_block);
    uint64_t n = 0;
    if (z.bufferings.size > 1) {  // a tiling tried under one buffering is skipped under the next: listed
        const bool fits = for_each_tile_sizes(
            l, a, m_block, c_block, e_block,
            [&](const GlbTiling&, const std::vector<std::pair<LoopOrder, int>>& orders) { n += orders.size(); });
        return fits ? n : 1;  // else the smallest tiles alone
    }
    // One buffering: for_each_tile_sizes's tilings counted without visiting them. Per image count
    // and channel tile, the filter tiles it visits are those with some output-row tile that fits
    // (the smallest), a prefix of the ascending sizes, and of those the ones whose output rows
    // step more than once (the whole rows do not fit) come last: both found by bisection, as the
    // buffer a tiling needs grows with each tile size. Each visit counts its distinct loop orders,
    // by which loops step more than once.
    const LayerShape& s = l.shape;
    const int E = s.E(), Mg = s.Mg();
    const uint64_t cap = static_cast<uint64_t>(a.glb.size_bytes);
    bool any = false;
    for (size_t ni = 0; ni < z.n_nts; ++ni) {
        GlbTiling t;
        t.Nt = z.nts[ni];
        t.buffers = z.bufferings.at[0];
        t.Mt = std::min(Mg, m_block), t.Et = std::min(E, e_block);
        const int Ct = most_channels(l, a, t, z.c);
        if (Ct == 0) break;  // more images fit even less
        any = true;
        const unsigned n_multi = steps_more_than_once(s, t, TileLoop::N) ? 8u : 0u;
        size_t visited = z.m.size();  // (more channels fit fewer filters)
        for (size_t ci = 0; ci < z.c.size() && z.c[ci] <= Ct; ++ci) {
            t.Ct = z.c[ci];
            const unsigned nc_multi = n_multi | (steps_more_than_once(s, t, TileLoop::C) ? 1u : 0u);
            auto filters_fitting = [&](int Et, size_t most) {  // how many filter tiles fit beside Et output rows
                size_t lo = 0, hi = most;
                t.Et = Et;
                while (lo < hi) {
                    const size_t mid = (lo + hi) / 2;
                    t.Mt = z.m[mid];
                    if (tiling_glb_bytes(l, a, t) <= cap)
                        lo = mid + 1;
                    else
                        hi = mid;
                }
                return lo;
            };
            visited = filters_fitting(z.e.front(), visited);
            const size_t whole_rows = filters_fitting(E, visited);
            // the filter tiles [from, to) visited: their filter loop steps more than once but with
            // the whole filters (the last size)
            const size_t last = z.m.size() - 1;
            auto count = [&](size_t from, size_t to, unsigned multi) {
                const uint64_t whole = from <= last && last < to ? 1 : 0;
                n += (to - from - whole) * distinct_orders(multi | 2u).size() + whole * distinct_orders(multi).size();
            };
            count(0, whole_rows, nc_multi);
            count(whole_rows, visited, nc_multi | 4u);
        }
    }
    return any ? n : 1;  // else the smallest tiles alone
}

}  // namespace dfsim
