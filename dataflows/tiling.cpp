#include "dataflows/tiling.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "base/error.h"
#include "config/yaml_reader.h"

namespace dfsim {

namespace {
// The order in which the program places each tile's loads and passes (build_tiled_program; the
// controller runs them in it, and schedule_tiles follows it): double-buffered, tile k+1's loads go
// ahead of tile k's passes; single-buffered they follow tile k-1's passes, except, with prefetched
// filters, tile k+1's filter load (it goes into the other filter copy).
template <typename IfmapLoads, typename FilterLoads, typename Body>
void in_program_order(size_t tiles, const GlbTiling& t, IfmapLoads ifmap_loads, FilterLoads filter_loads, Body body) {
    const bool prefetch = t.filter_copies() == 2;
    for (size_t k = 0; k < tiles; ++k) {
        const bool next = k + 1 < tiles;
        if (t.double_buffer) {
            if (k == 0) ifmap_loads(k), filter_loads(k);
            if (next) ifmap_loads(k + 1), filter_loads(k + 1);
        } else {
            ifmap_loads(k);
            if (!prefetch || k == 0) filter_loads(k);
            if (prefetch && next) filter_loads(k + 1);
        }
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

std::string GlbTiling::summary() const {
    std::ostringstream os;
    os << "glb tile ";
    if (Nt > 1) os << "Nt=" << Nt << " ";
    os << "Et=" << Et << " Mt=" << Mt << " Ct=" << Ct << (m_outer ? " order=m,e,c" : " order=e,m,c")
       << (double_buffer      ? " double-buffered"
           : prefetch_filters ? " single-buffered, filters prefetched"
                              : " single-buffered");
    return os.str();
}

std::string GlbTiling::yaml_fields() const {
    std::ostringstream os;
    os << "nt: " << Nt << ", et: " << Et << ", mt: " << Mt << ", ct: " << Ct << ", order: " << (m_outer ? "m" : "e")
       << ", double_buffer: " << (double_buffer ? "true" : "false")
       << ", prefetch_filters: " << (prefetch_filters ? "true" : "false");
    return os.str();
}

void parse_tiling(const YamlMap& y, const Layer& l, const ArchParams& a, GlbTiling& t) {
    const LayerShape& s = l.shape;
    t.Nt = static_cast<int>(y.get_int("nt", 1, s.N, 1));
    t.Et = static_cast<int>(y.get_int("et", 1, s.E(), s.E()));
    t.Mt = static_cast<int>(y.get_int("mt", 1, s.Mg(), s.Mg()));
    t.Ct = static_cast<int>(y.get_int("ct", 1, s.Cg(), s.Cg()));
    t.m_outer = y.get_enum("order", {"e", "m"}, "e") == "m";
    t.double_buffer = y.get_bool("double_buffer", a.glb.double_buffer);
    t.prefetch_filters = y.get_bool("prefetch_filters", a.glb.prefetch_filters);
}

int GlbTiling::loop_nest(const Layer& l, std::ostream& os) const {
    const LayerShape& s = l.shape;
    int d = 0;
    os << indent(d++) << "for n_tile in [0," << s.N << ") step " << Nt << ", g in [0," << s.G << ")      # DRAM\n";
    const std::string e_loop = "for e_tile in [0," + std::to_string(s.E()) + ") step " + std::to_string(Et) + "\n";
    const std::string m_loop = "for m_tile in [0," + std::to_string(s.Mg()) + ") step " + std::to_string(Mt) + "\n";
    os << indent(d++) << (m_outer ? m_loop : e_loop);
    os << indent(d++) << (m_outer ? e_loop : m_loop);
    os << indent(d++) << "for c_tile in [0," << s.Cg() << ") step " << Ct << "      # GLB tile: ifmap " << Nt << "x"
       << Ct << "ch x rows, filters " << Mt << "x" << Ct << ", psums " << Nt << "x" << Mt << "x" << Et << "x" << s.F()
       << "\n";
    return d;
}

int tile_ifmap_rows(const LayerShape& s, int Et) { return std::min(s.H, (Et - 1) * s.U + s.R); }

uint64_t tiling_glb_bytes(const Layer& l, const ArchParams& a, const GlbTiling& t) {
    const LayerShape& s = l.shape;
    const uint64_t nt = static_cast<uint64_t>(t.Nt);
    const uint64_t fmaps = bytes_of(nt * t.Ct * tile_ifmap_rows(s, t.Et) * s.W, l.ifmap.bits) +
                           bytes_of(nt * t.Mt * t.Et * s.F(), a.pe.psum_bits);
    const uint64_t filters = bytes_of(static_cast<uint64_t>(t.Mt) * t.Ct * s.R * s.S, l.filter.bits);
    return static_cast<uint64_t>(t.fmap_copies()) * fmaps + static_cast<uint64_t>(t.filter_copies()) * filters;
}

std::string check_tiling(const Layer& l, const ArchParams& a, const GlbTiling& t) {
    const LayerShape& s = l.shape;
    std::ostringstream os;
    if (t.Nt < 1 || t.Nt > s.N)
        os << "Nt must be in [1, N=" << s.N << "]";
    else if (t.Et < 1 || t.Et > s.E())
        os << "Et must be in [1, E=" << s.E() << "]";
    else if (t.Mt < 1 || t.Mt > s.Mg())
        os << "Mt must be in [1, M/G=" << s.Mg() << "]";
    else if (t.Ct < 1 || t.Ct > s.Cg())
        os << "Ct must be in [1, C/G=" << s.Cg() << "]";
    else if (tiling_glb_bytes(l, a, t) > static_cast<uint64_t>(a.glb.size_bytes))
        os << "tiles need " << tiling_glb_bytes(l, a, t) << " bytes of global buffer, which holds " << a.glb.size_bytes;
    return os.str();
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

void for_each_tile(const Layer& l, const GlbTiling& t, const std::function<void(const TileStep&)>& visit) {
    const LayerShape& s = l.shape;
    const int E = s.E(), Mg = s.Mg(), Cg = s.Cg();
    auto one = [&](int n, int g, int E0, int M0, int C0) { visit(make_step(l, t, n, g, E0, M0, C0)); };
    for (int n = 0; n < s.N; n += t.Nt)
        for (int g = 0; g < s.G; ++g) {
            if (t.m_outer) {
                for (int M0 = 0; M0 < Mg; M0 += t.Mt)
                    for (int E0 = 0; E0 < E; E0 += t.Et)
                        for (int C0 = 0; C0 < Cg; C0 += t.Ct) one(n, g, E0, M0, C0);
            } else {
                for (int E0 = 0; E0 < E; E0 += t.Et)
                    for (int M0 = 0; M0 < Mg; M0 += t.Mt)
                        for (int C0 = 0; C0 < Cg; C0 += t.Ct) one(n, g, E0, M0, C0);
            }
        }
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
    const int copies = t.fmap_copies(), f_copies = t.filter_copies();
    hw::Program prog;
    prog.layer = hw::layer_params(l);
    int if_slot[2] = {-1, -1}, f_slot[2] = {-1, -1}, p_slot[2] = {-1, -1};
    auto add_slot = [&](DataType d, uint64_t words, int bits, const std::string& name) {
        prog.slots.push_back({d, words, bits, name});
        return static_cast<int>(prog.slots.size()) - 1;
    };
    for (int c = 0; c < std::max(copies, f_copies); ++c) {
        if (c < copies)
            if_slot[c] = add_slot(DataType::Ifmap, static_cast<uint64_t>(t.Nt) * t.Ct * tile_ifmap_rows(s, t.Et) * s.W,
                                  l.ifmap.bits, "ifmap" + std::string(copies > 1 ? std::to_string(c) : ""));
        if (c < f_copies)
            f_slot[c] = add_slot(DataType::Filter, static_cast<uint64_t>(t.Mt) * t.Ct * s.R * s.S, l.filter.bits,
                                 "filter" + std::string(f_copies > 1 ? std::to_string(c) : ""));
        if (c < copies)
            p_slot[c] = add_slot(DataType::Psum, static_cast<uint64_t>(t.Nt) * t.Mt * t.Et * s.F(), a.pe.psum_bits,
                                 "psum" + std::string(copies > 1 ? std::to_string(c) : ""));
    }
    TileSlots if_slots(copies), f_slots(f_copies);
    int psum_copy = 0, psum_slot = -1;
    struct StepOps {
        std::vector<hw::Op> if_loads, f_loads, body;
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
        if (st.first_c) {
            psum_copy = (psum_copy + 1) % copies;
            psum_slot = p_slot[psum_copy];
            so.body.push_back(hw::Op{hw::Shape{psum_slot, {st.Nt, st.Mt, st.Et, s.F()}}});
        }
        passes(st, TileSlotIds{if_slot[if_slots.current()], f_slot[f_slots.current()], psum_slot}, so.body);
        if (st.last_c) {
            const hw::Box box{{st.n, st.g * s.Mg() + st.M0, st.E0, 0}, {st.Nt, st.Mt, st.Et, s.F()}};
            so.body.push_back(hw::Op{hw::Store{{psum_slot, hw::DramTensor::Output, box}}});
        }
    });
    auto append = [&](std::vector<hw::Op>& ops) {
        for (auto& op : ops) prog.ops.push_back(op);
    };
    in_program_order(
        steps.size(), t, [&](size_t k) { append(steps[k].if_loads); }, [&](size_t k) { append(steps[k].f_loads); },
        [&](size_t k) { append(steps[k].body); });
    return prog;
}

TiledTotals tiling_traffic(const Layer& l, const ArchParams& a, const GlbTiling& t,
                           const std::function<void(const TileStep&, TiledTotals&)>& tile) {
    const int out_bits = output_bits(l, a);
    const int copies = t.fmap_copies();
    TileSlots res_if(copies), res_f(t.filter_copies());
    int psum_copy = 0;
    TiledTotals tot, first;
    auto fetch = [&](TileSlots& ts, const hw::Box& b, DataType d, int bits) -> uint64_t {
        if (!ts.ensure(b)) return 0;
        count_fill(tot.counts, d, b.words(), bits);
        const uint64_t bytes = bytes_of(b.words(), bits);
        tot.dram_bytes += bytes;
        return bytes;
    };
    // image tiles: all walked unless there are more than two full ones
    const int n_tiles = (l.shape.N + t.Nt - 1) / t.Nt;
    const bool extrapolate = n_tiles > 2 && l.shape.N % t.Nt == 0;
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
        if (st.first_c) psum_copy = (psum_copy + 1) % copies;
        tt.psum_copy = psum_copy, tt.first_c = st.first_c;
        if (st.last_c) {
            const uint64_t w = static_cast<uint64_t>(st.Nt) * st.Mt * st.Et * l.shape.F();
            count_store(tot.counts, w, out_bits);
            tt.out_bytes = bytes_of(w, out_bits);
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

int count_tiles(int whole, int step) { return (whole + step - 1) / step; }

// Words loaded into a tensor's slots over `reps` alike iterations of `iteration(load)`, which
// calls load(box) for each tile box in order: the first two iterations are run, and each later
// one adds what the second added (from then on the slots hold the same boxes at each start).
template <typename Iteration>
uint64_t repeated_fills(TileSlots& slots, int reps, Iteration iteration) {
    uint64_t words[2] = {0, 0};
    for (int k = 0; k < std::min(reps, 2); ++k)
        iteration([&](const hw::Box& b) {
            if (slots.ensure(b)) words[k] += b.words();
        });
    return words[0] + (reps > 1 ? static_cast<uint64_t>(reps - 1) * words[1] : 0);
}

// The image tiles' first images, and how many image tiles each stands for (traffic_counts walks
// two full image tiles and extrapolates, as tiling_traffic does).
std::vector<std::pair<int, int>> image_tiles(const LayerShape& s, const GlbTiling& t) {
    const int n_tiles = count_tiles(s.N, t.Nt);
    if (n_tiles > 2 && s.N % t.Nt == 0) return {{0, 1}, {t.Nt, n_tiles - 1}};
    std::vector<std::pair<int, int>> v;
    for (int n = 0; n < s.N; n += t.Nt) v.push_back({n, 1});
    return v;
}

uint64_t ifmap_fills(const Layer& l, const GlbTiling& t) {
    const LayerShape& s = l.shape;
    const int E = s.E(), Mg = s.Mg(), Cg = s.Cg();
    TileSlots slots(t.fmap_copies());
    uint64_t words = 0;
    for (const auto& [n0, times] : image_tiles(s, t)) {
        const int n = n0;  // a copy: clang 14 (the fuzz build) cannot capture a structured binding
        uint64_t tile_words = 0;
        for (int g = 0; g < s.G; ++g) {
            auto c_loop = [&](int E0, const auto& load) {
                for (int C0 = 0; C0 < Cg; C0 += t.Ct) load(tile_ifmap_box(l, make_step(l, t, n, g, E0, 0, C0)));
            };
            if (t.m_outer) {  // for M0: for E0: for C0
                tile_words += repeated_fills(slots, count_tiles(Mg, t.Mt), [&](const auto& load) {
                    for (int E0 = 0; E0 < E; E0 += t.Et) c_loop(E0, load);
                });
            } else {  // for E0: for M0: for C0
                for (int E0 = 0; E0 < E; E0 += t.Et)
                    tile_words +=
                        repeated_fills(slots, count_tiles(Mg, t.Mt), [&](const auto& load) { c_loop(E0, load); });
            }
        }
        words += static_cast<uint64_t>(times) * tile_words;
    }
    return words;
}

uint64_t filter_fills(const Layer& l, const GlbTiling& t) {
    const LayerShape& s = l.shape;
    const int E = s.E(), Mg = s.Mg(), Cg = s.Cg();
    TileSlots slots(t.filter_copies());
    auto c_loop = [&](int g, int M0, const auto& load) {
        for (int C0 = 0; C0 < Cg; C0 += t.Ct) load(tile_filter_box(l, make_step(l, t, 0, g, 0, M0, C0)));
    };
    auto image_tile = [&](const auto& load_all) {  // one image tile's filter boxes, in order
        for (int g = 0; g < s.G; ++g) {
            if (t.m_outer) {  // for M0: for E0: for C0
                for (int M0 = 0; M0 < Mg; M0 += t.Mt)
                    load_all(count_tiles(E, t.Et), [&](const auto& load) { c_loop(g, M0, load); });
            } else {  // for E0: for M0: for C0
                load_all(count_tiles(E, t.Et), [&](const auto& load) {
                    for (int M0 = 0; M0 < Mg; M0 += t.Mt) c_loop(g, M0, load);
                });
            }
        }
    };
    // the filter boxes do not depend on the image: every image tile is alike
    uint64_t words[2] = {0, 0};
    const int n_tiles = count_tiles(s.N, t.Nt);
    for (int k = 0; k < std::min(n_tiles, 2); ++k)
        image_tile([&](int reps, const auto& iteration) { words[k] += repeated_fills(slots, reps, iteration); });
    return words[0] + (n_tiles > 1 ? static_cast<uint64_t>(n_tiles - 1) * words[1] : 0);
}

}  // namespace

ActionCounts traffic_counts(const Layer& l, const ArchParams& a, const GlbTiling& t) {
    const LayerShape& s = l.shape;
    ActionCounts c;
    count_fill(c, DataType::Ifmap, ifmap_fills(l, t), l.ifmap.bits);
    count_fill(c, DataType::Filter, filter_fills(l, t), l.filter.bits);
    count_store(c, static_cast<uint64_t>(s.N) * s.M * s.E() * s.F(), output_bits(l, a));  // every output once
    return c;
}

void for_each_tile_class(const Layer& l, const GlbTiling& t,
                         const std::function<void(const TileStep&, uint64_t)>& visit) {
    const LayerShape& s = l.shape;
    // the sizes of a dimension's tiles: the full ones and the remainder
    auto sizes = [](int whole, int step) {
        std::vector<std::pair<int, uint64_t>> v{{0, static_cast<uint64_t>(whole / step)}};
        if (whole % step) v.push_back({whole - whole % step, 1});
        if (v[0].second == 0) v.erase(v.begin());
        return v;
    };
    // channel tiles: first, middle and last ones differ (first_c, last_c, the remainder)
    std::map<std::array<int, 3>, std::pair<int, uint64_t>> c_classes;  // (Ct, first, last) -> (C0, count)
    for (int C0 = 0; C0 < s.Cg(); C0 += t.Ct) {
        const TileStep st = make_step(l, t, 0, 0, 0, 0, C0);
        auto& cls = c_classes.try_emplace({st.Ct, st.first_c, st.last_c}, C0, 0).first->second;
        ++cls.second;
    }
    for (const auto& [n, n_count] : sizes(s.N, t.Nt))
        for (int E0 = 0; E0 < s.E(); E0 += t.Et)
            for (const auto& [M0, m_count] : sizes(s.Mg(), t.Mt))
                for (const auto& [key, cls] : c_classes)
                    visit(make_step(l, t, n, 0, E0, M0, cls.first),
                          n_count * static_cast<uint64_t>(s.G) * m_count * cls.second);
}

uint64_t tiled_cycles_lower_bound(const Layer& l, const ArchParams& a, const GlbTiling& t, uint64_t pass_cycles,
                                  const ActionCounts& traffic) {
    uint64_t bits = 0;
    for (uint64_t b : traffic.dram_moved_bits) bits += b;
    uint64_t channel = static_cast<uint64_t>(static_cast<double>(bits) / 8.0 / a.dram.bytes_per_cycle);
    const uint64_t n_tiles = static_cast<uint64_t>(count_tiles(l.shape.N, t.Nt));
    if (n_tiles > 2 && l.shape.N % t.Nt == 0) {
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
    uint64_t psum_stored[2] = {0, 0}, psum_zeroed[2] = {0, 0};

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
    void body(const TileTiming& t) {
        const int pc = t.psum_copy;
        if (t.first_c) {  // the psum tile is shaped (zeroed) once its copy is stored and unused
            issue = std::max({issue, psum_stored[pc], psum_used[pc]});
            psum_zeroed[pc] = issue;
        }
        const uint64_t start = std::max({array, if_ready[t.ifmap_copy], f_ready[t.filter_copy], psum_zeroed[pc]});
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
        [&](size_t k) { s.body(tiles[k]); });
    return tiles.empty() ? 0 : s.end + a.reconfig_cycles();
}

std::vector<int> tile_sizes(int block, int whole) {
    std::vector<int> v;
    for (int k = 1; k * block < whole; k *= 2) v.push_back(k * block);
    v.push_back(whole);
    return v;
}

bool for_each_tiling(const Layer& l, const ArchParams& a, int m_block, int c_block, int e_block,
                     const std::function<void(const GlbTiling&)>& visit) {
    const LayerShape& s = l.shape;
    const int E = s.E(), Mg = s.Mg(), Cg = s.Cg();
    const uint64_t cap = static_cast<uint64_t>(a.glb.size_bytes);
    std::vector<int> nts{1};
    if (s.N % 4 == 0 && s.N > 4) nts.push_back(4);
    if (s.N > 1) nts.push_back(s.N);
    bool any = false;
    for (int Nt : nts) {
        GlbTiling t;
        t.Nt = Nt;
        t.double_buffer = a.glb.double_buffer;
        t.prefetch_filters = a.glb.prefetch_filters;
        t.Mt = std::min(Mg, m_block), t.Et = std::min(E, e_block);
        int Ct = 0;
        for (int c : tile_sizes(c_block, Cg)) {
            t.Ct = std::min(c, Cg);
            if (tiling_glb_bytes(l, a, t) <= cap) Ct = t.Ct;
        }
        if (Ct == 0) break;  // more images fit even less
        any = true;
        t.Ct = Ct;
        for (int Mt : tile_sizes(m_block, Mg)) {
            t.Mt = std::min(Mt, Mg);
            int best_et = 0;
            for (int Et : tile_sizes(e_block, E)) {
                t.Et = std::min(Et, E);
                if (tiling_glb_bytes(l, a, t) <= cap) best_et = t.Et;
            }
            if (best_et == 0) break;  // larger filter tiles fit even less
            t.Et = best_et;
            for (int order = 0; order < 2; ++order) {
                t.m_outer = order == 1;
                visit(t);
            }
        }
    }
    return any;
}

}  // namespace dfsim
