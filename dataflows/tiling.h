// Global-buffer tiling shared by the dataflows: the buffer holds tiles of Nt images x Et output
// rows x Mt filters x Ct channels (all filter rows and columns, the full output width), visited
// from DRAM in one of two loop orders, each tensor in one slot or two (double buffering). Images
// in a tile share its filters: with Nt > 1 a weight fetched from DRAM serves several images. A tile already
// resident in a slot is used in place. The dataflow decides what the array does with a tile
// (its passes); the tile traffic, the program skeleton and its analytical count live here once.
#pragma once
#include <array>
#include <cmath>
#include <functional>
#include <limits>
#include <ostream>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "config/arch.h"
#include "workload/layer.h"
#include "energy/energy.h"
#include "base/error.h"
#include "base/flat_map.h"
#include "base/types.h"
#include "dataflows/dataflow.h"
#include "hw/program.h"

namespace dfsim {

class YamlMap;

// A DRAM loop of a tiling: over image tiles (with the groups right inside), output-row tiles,
// filter tiles or channel tiles. A LoopOrder orders the first three; the channel loop sits among
// them at GlbTiling::c_pos. Innermost (the default), a tile's psums stay in the buffer until its
// last channel tile; further out, the loops inside it visit other output tiles between a tile's
// channel tiles, so its unfinished psums are spilled to DRAM and loaded back (spills()).
enum class TileLoop : uint8_t { N, E, M, C };
// The DRAM loops over images, rows and filters, outermost first.
using LoopOrder = std::array<TileLoop, 3>;
// All four DRAM loops, outermost first.
using LoopNest = std::array<TileLoop, 4>;
inline constexpr LoopOrder kOrderNEM{TileLoop::N, TileLoop::E, TileLoop::M};  // "e": images, rows, filters
inline constexpr LoopOrder kOrderNME{TileLoop::N, TileLoop::M, TileLoop::E};  // "m": images, filters, rows
// The six orders, the two above first.
inline constexpr std::array<LoopOrder, 6> kLoopOrders{kOrderNEM,
                                                      kOrderNME,
                                                      LoopOrder{TileLoop::E, TileLoop::N, TileLoop::M},
                                                      LoopOrder{TileLoop::M, TileLoop::N, TileLoop::E},
                                                      LoopOrder{TileLoop::E, TileLoop::M, TileLoop::N},
                                                      LoopOrder{TileLoop::M, TileLoop::E, TileLoop::N}};

// Which tensors' buffer slots are double-buffered (two copies: the next tile's ifmap or filters
// load while the current tile computes; the next psum tile is zeroed while the last one is
// stored). Single-buffered, a tensor's load waits for the passes still using its slot.
struct Buffering {
    bool ifmap = true, filter = true, psum = true;
    static constexpr Buffering all(bool dbl) { return {dbl, dbl, dbl}; }
    static constexpr Buffering prefetch_filters() { return {false, true, false}; }  // the Eyeriss chip's
    bool operator==(const Buffering&) const = default;
    bool covers(const Buffering& o) const {  // every tensor `o` double-buffers, this does too
        return (ifmap || !o.ifmap) && (filter || !o.filter) && (psum || !o.psum);
    }
};

// The buffering a mapping gets unless it says otherwise: the architecture's glb.double_buffer
// and glb.prefetch_filters.
Buffering arch_buffering(const ArchParams& a);

struct GlbTiling {
    int Nt = 1;  // images per tile
    int Et = 1, Mt = 1, Ct = 1;  // output rows, filters, channels per tile
    LoopOrder order = kOrderNEM;  // DRAM loops, outermost first
    int c_pos = 3;  // where the channel loop sits among them: before order[c_pos] (3: innermost)
    Buffering buffers;  // double-buffered tensors
    LoopNest nest() const;  // the four loops, outermost first
    int ifmap_copies() const { return buffers.ifmap ? 2 : 1; }
    int filter_copies() const { return buffers.filter ? 2 : 1; }
    int psum_copies() const { return buffers.psum ? 2 : 1; }
    std::string summary() const;  // "glb tile Et=.. Mt=.. Ct=.. order=.. double-buffered"
    // The order as a pinned mapping writes it: channels innermost, "e" (n,e,m), "m" (n,m,e), else
    // its three letters ("mne"); the channel loop further out, the four letters ("ncem").
    std::string order_name() const;
    // "nt: .., et: .., mt: .., ct: .., order: .., double_buffer: .., prefetch_filters: .." (and
    // double_ifmap, double_filter, double_psum where the buffering is not one of those two's)
    std::string yaml_fields() const;
    // The DRAM and buffer-tile loops of a loop nest, one a line, indented from depth 0; returns
    // the depth of the loops inside a tile.
    int loop_nest(const Layer& l, std::ostream& os) const;
};

// Two spaces per loop depth.
inline std::string indent(int depth) { return std::string(static_cast<size_t>(2 * depth), ' '); }

// One tile (a step of the DRAM loops), group-local filter and channel indices.
struct TileStep {
    int n = 0, Nt = 1, g = 0;  // first image, images in the tile
    int E0 = 0, Et = 1, M0 = 0, Mt = 1, C0 = 0, Ct = 1;  // tile origin and size
    int row_lo = 0, row_hi = 0;  // real ifmap rows the tile needs
    bool first_c = true, last_c = true;  // first / last channel tile of its outputs
};

// What a tile's passes may depend on (estimate_tiled counts alike tiles once).
using TileKey = std::array<int, 7>;
inline TileKey tile_key(const TileStep& st) { return {st.Nt, st.E0, st.Et, st.Mt, st.Ct, st.first_c, st.last_c}; }

// Reads a pinned mapping's tiling fields: nt (default 1), et, mt, ct (defaults: the whole extent), order
// (e | m | any order of the letters n, e, m, outermost first, channels innermost; or of the four
// letters n, e, m, c; default e = nem = nemc), double_buffer
// (all three tensors) and prefetch_filters (the filters; defaults: the architecture's), then
// double_ifmap, double_filter and double_psum, each overriding those for its tensor.
void parse_tiling(const YamlMap& y, const Layer& l, const ArchParams& a, GlbTiling& t);

int tile_ifmap_rows(const LayerShape& s, int Et);
// Whether a tile's psums spill to DRAM between its channel tiles: the channel loop has more than
// one tile and a loop inside it more than one step (the image loop: or more than one group).
// Then every tile but a first channel tile starts from its psums loaded back (DRAM psum box
// [N][M][E][F] at the psum width) and every tile but a last one stores them there.
bool spills(const Layer& l, const GlbTiling& t);
uint64_t tiling_glb_bytes(const Layer& l, const ArchParams& a, const GlbTiling& t);
// "" or the first violated tiling constraint (extents, buffer capacity).
std::string check_tiling(const Layer& l, const ArchParams& a, const GlbTiling& t);
void for_each_tile(const Layer& l, const GlbTiling& t, const std::function<void(const TileStep&)>& visit);
// The DRAM boxes of a tile's ifmap and filters.
hw::Box tile_ifmap_box(const Layer& l, const TileStep& st);
hw::Box tile_filter_box(const Layer& l, const TileStep& st);
hw::Box tile_psum_box(const Layer& l, const TileStep& st);  // outputs and spilled psums

// Which copy of a tensor's slot(s) holds which tile: a tile already resident in either copy is
// used where it is; otherwise it is loaded into the other copy than the one in use.
class TileSlots {
public:
    explicit TileSlots(int copies) : m_copies(copies) {}
    bool ensure(const hw::Box& b);  // true if `b` must be loaded (into copy current())
    int current() const { return m_cur; }

private:
    int m_copies;
    int m_cur = 0;
    bool m_valid[2] = {false, false};
    std::array<int, 4> m_lo[2]{}, m_count[2]{};
};

// The slots a tiled program uses and the slot indices of a tile's ifmap, filters and psums.
struct TileSlotIds {
    int ifmap = -1, filter = -1, psum = -1;
};

// Builds a program: the layer's constants (hw::layer_params), per tile the loads it needs, a
// zeroed psum tile at its first channel tile (spilling: its psums loaded back at the others), the
// passes `passes` emits, and the store of the finished outputs after its last channel tile
// (spilling: of its psums after the others). The loads of tile k+1 of a double-buffered tensor
// (psums loaded back included) go before the passes of tile k; a single-buffered tensor's after them.
hw::Program build_tiled_program(
    const Layer& l, const ArchParams& a, const GlbTiling& t,
    const std::function<void(const TileStep&, const TileSlotIds&, std::vector<hw::Op>&)>& passes);

// One tile of the analytical walk as the controller schedules it: the loads it needs (bytes, 0:
// resident), the copies of the slots it uses, its passes' estimated cycles and its store.
struct TileTiming {
    uint64_t ifmap_bytes = 0, filter_bytes = 0, out_bytes = 0;  // out_bytes: 0 unless the tile stores
    uint64_t psum_bytes = 0;  // psums loaded back (a spilled tile's), 0 if none
    int ifmap_copy = 0, filter_copy = 0, psum_copy = 0;
    uint64_t pass_cycles = 0;
    bool first_c = true;
};

// What an analytical walk over a tiling adds up.
struct TiledTotals {
    ActionCounts counts;
    uint64_t pass_cycles = 0;  // the passes' estimated cycles, back to back
    uint64_t dram_bytes = 0;
    uint64_t cycles = 0;  // the tiles scheduled as the controller runs them (schedule_tiles)
};

// The cycles of the tiles' program as the accelerator's controller runs it (hw/accelerator.cpp):
// transfers in program order on one DRAM channel (bytes_per_cycle, then latency_cycles until the
// data is there), passes in order on the array, each waiting for its slots' loads; a load waits
// for the passes that still use its slot copy, a store for its tile's passes; double-buffered,
// tile k+1's loads of its double-buffered tensors go ahead of tile k's passes.
// Reconfiguration first.
uint64_t schedule_tiles(const ArchParams& a, const GlbTiling& t, std::span<const TileTiming> tiles);

// The analytical walk of a tiling: the DRAM <-> buffer traffic (same residency policy as the
// program) plus what `tile` adds for each tile's passes. With the image loop outermost
// (extrapolates_images), only the first two image tiles are walked: every later one repeats the
// second exactly (the same tiles in the same order meet the same resident filters), so the rest
// is that difference times the tiles left -- exact, and the mapper's cost does not grow with the
// batch. Other orders walk every tile.
bool extrapolates_images(const Layer& l, const GlbTiling& t);
TiledTotals tiling_traffic(const Layer& l, const ArchParams& a, const GlbTiling& t,
                           const std::function<void(const TileStep&, TiledTotals&)>& tile);

// Candidate tile sizes for the mappers, in increasing order: for each count of tiles k up to
// kNearDivisorTiles, the smallest multiple of `block` that covers `whole` in k tiles (the
// divisors and near-divisors of the extent: ceil(whole / k) rounded up to the block), and for
// more tiles the block size times powers of two. No two give the same count of tiles: of sizes
// that do, the smallest needs the least buffer for the same traffic.
std::vector<int> tile_sizes(int block, int whole);
inline constexpr int kNearDivisorTiles = 16;

// The tilings a mapper tries for passes that work on blocks of m_block filters, c_block channels
// and e_block output rows: one image per tile or the whole batch (and 4 if it divides the
// batch); channels per tile each size up to the most that fit beside the smallest filter and
// row tiles; then for each filter-tile size, the most output rows that fit; each in the six DRAM loop orders with
// the channel loop innermost and, if it has more than one tile, with the channel loop right
// outside the innermost of the other three (the spill orders that keep an ifmap or filter tile
// resident across that loop); of nests alike but for where a loop of one step sits, only the
// first. With glb.search_buffering,
// all that again for each buffering tried (sizes a buffering with more copies tried are skipped).
// Returns false (and calls nothing) if not even the smallest tile fits.
bool for_each_tiling(const Layer& l, const ArchParams& a, int m_block, int c_block, int e_block,
                     const std::function<void(const GlbTiling&)>& visit);
// The candidates of a block (mapping `m`, of a type M derived from GlbTiling) whose tiles are
// made of blocks of m_block filters, c_block channels and e_block output rows: m in each tiling
// for_each_tiling tries, or, if not even the smallest tile fits, in the smallest tiles (which
// check_tiling refuses, saying why). What a dataflow's for_each_tiling_of lists.
template <typename M, typename Visit>
void for_each_block_candidate(const Layer& l, const ArchParams& a, M m, int m_block, int c_block, int e_block,
                              Visit visit) {
    const bool fits = for_each_tiling(l, a, m_block, c_block, e_block, [&](const GlbTiling& t) {
        static_cast<GlbTiling&>(m) = t;
        visit(m);
    });
    if (!fits) {
        const LayerShape& s = l.shape;
        static_cast<GlbTiling&>(m) = GlbTiling{};
        m.Mt = std::min(s.Mg(), m_block), m.Et = std::min(s.E(), e_block), m.Ct = std::min(s.Cg(), c_block);
        visit(m);
    }
}
// How many candidates for_each_block_candidate visits, without visiting them.
uint64_t count_block_candidates(const Layer& l, const ArchParams& a, int m_block, int c_block, int e_block);

// The DRAM <-> buffer traffic of a tiling over the whole layer, exactly as tiling_traffic counts
// it (the same residency policy), without walking every tile. A tensor's loads do not depend on
// a loop over a dimension its boxes do not have (filters: images and rows; ifmaps: filters), so
// the run of that loop's iterations adds what its second iteration adds: the slots then hold the
// same boxes at each iteration's start. A loop over image or filter tiles that all have the same
// size is alike after its first iteration too (its boxes are the first's, translated), so it adds
// the first iteration and then the second's words times the tiles left. Spilling, each output
// word is stored and loaded back once per channel tile but its last.
ActionCounts traffic_counts(const Layer& l, const ArchParams& a, const GlbTiling& t);

// Visits one tile of each class of alike tiles of the layer (all images) with the class's size:
// a TileKey class, except that the full output-row tiles whose ifmap rows are all real (no
// padding, no clamp at the edges) are one class wherever they sit (their passes count alike:
// the mapper's check that a bound's counts are its estimate's holds this).
void for_each_tile_class(const Layer& l, const GlbTiling& t,
                         const std::function<void(const TileStep&, uint64_t)>& visit);

// A lower bound on tiling_traffic(..).cycles from the passes' cycles (back to back, all images) and
// the traffic (`traffic`'s DRAM bits over the channel's bandwidth): the array and the DRAM channel
// each do that much work one thing at a time.
uint64_t tiled_cycles_lower_bound(const Layer& l, const ArchParams& a, const GlbTiling& t, uint64_t pass_cycles,
                                  const ActionCounts& traffic);

// The blocks of `size` that cover an extent of `whole`, visited as f(offset of the first, how
// many alike). Collapsed, the first block, one middle block standing for all the middle ones and
// the last (the pass models count a block by its size and by whether it is a first or a last
// one, never by its offset); else every block on its own, in order.
template <typename F>
void for_each_block_class(int whole, int size, bool collapse, F&& f) {
    const int n = (whole + size - 1) / size;
    if (!collapse) {
        for (int k = 0; k < n; ++k) f(k * size, 1);
        return;
    }
    f(0, 1);
    if (n > 2) f(size, n - 2);
    if (n > 1) f((n - 1) * size, 1);
}

// The same for a dimension whose blocks the pass models tell apart by their size alone (the
// filters): collapsed, the full blocks as one class (the first standing for all) and the last if
// it is smaller.
template <typename F>
void for_each_block_size(int whole, int size, bool collapse, F&& f) {
    if (!collapse) {
        for_each_block_class(whole, size, false, f);
        return;
    }
    const int full = whole / size;
    if (full > 0) f(0, full);
    if (whole % size) f(full * size, 1);
}

// The same for the channel blocks of a tile whose psums come in (`first_starts` false: its first
// block does not start the accumulation): collapsed, the first block as one of the middle ones
// (the pass models tell those apart only by whether they start it); the last stays apart (it
// ends the tile's accumulation).
template <typename F>
void for_each_channel_block(int whole, int size, bool collapse, bool first_starts, F&& f) {
    if (!collapse || first_starts) {
        for_each_block_class(whole, size, collapse, f);
        return;
    }
    const int n = (whole + size - 1) / size;
    if (n > 1) f(0, n - 1);
    f((n - 1) * size, 1);
}

// The steps x = begin, begin + step, ... below end, visited in order as f(x, n): of the steps
// `alike(x)` holds for (the pass models count them alike: a collapsed walk's interior blocks) only
// the first, with n their number; every other step with n = 1.
template <typename Alike, typename F>
void for_each_collapsed_step(int begin, int end, int step, Alike alike, F&& f) {
    int n = 0;
    for (int x = begin; x < end; x += step) n += alike(x);
    bool seen = false;
    for (int x = begin; x < end; x += step) {
        const bool in = alike(x);
        if (in && seen) continue;
        seen |= in;
        f(x, in ? n : 1);
    }
}

// Whether the padded ifmap rows that output rows [e0, e0 + e_count) read through filter rows
// [r0, r0 + r_count) are all real (none is padding): the pass models count such passes alike
// wherever they sit, and such row tiles' ifmap boxes (r0 = 0, r_count = R) need no clamp.
inline bool pass_rows_all_real(const LayerShape& s, int e0, int e_count, int r0, int r_count) {
    return e0 * s.U + r0 - s.P >= 0 && (e0 + e_count - 1) * s.U + r0 + r_count - 1 - s.P < s.H;
}
// The same of the padded ifmap columns that output columns [f0, f0 + f_count) read (all S filter
// columns).
inline bool pass_cols_all_real(const LayerShape& s, int f0, int f_count) {
    return f0 * s.U - s.P >= 0 && (f0 + f_count - 1) * s.U + s.S - 1 - s.P < s.W;
}

// The counts and cycles of a tile's passes, each distinct pass (by `key`) counted once by `count`
// and each distinct tile (by TileKey) once: a tile's passes may depend on its TileKey fields only
// (its extents, its output rows and whether it is a first or last channel tile, never its filter,
// channel or image origin). `for_each_pass(tile, visit)` visits a tile's passes, each standing
// for `repeat` alike passes.
template <typename Key, typename PassInfo, typename ForEachPass, typename KeyFn, typename CountFn>
class TilePasses {
public:
    TilePasses(ForEachPass f, KeyFn k, CountFn c) : m_for_each_pass(f), m_key(k), m_count(c) {
        m_repeats.reserve(64), m_touched.reserve(64);  // room for a block's kinds of pass, once
    }
    const std::pair<ActionCounts, uint64_t>& operator()(const TileStep& st) {
        return m_tiles.get_or_make(tile_key(st), [&] {
            // a tile's passes repeat a few kinds: each kind's repeats are summed first, and its
            // counts combined once (the same sums: integer, modulo 2^64)
            m_touched.clear();
            m_for_each_pass(st, [&](const PassInfo& pi) {
                const uint64_t r = static_cast<uint64_t>(pi.repeat);
                if (r == 0) return;
                const size_t i = m_passes.index_of(m_key(pi), [&] { return m_count(pi); });
                if (i >= m_repeats.size()) m_repeats.resize(i + 1, 0);
                if (m_repeats[i] == 0) m_touched.push_back(i);
                m_repeats[i] += r;
            });
            std::pair<ActionCounts, uint64_t> sum{};
            for (size_t i : m_touched) {
                const auto& pass = m_passes.at(i);
                const uint64_t r = m_repeats[i];
                m_repeats[i] = 0;
                sum.first.combine(pass.first, [r](uint64_t& x, uint64_t y) { x += r * y; });
                sum.second += r * pass.second;
            }
            return sum;
        });
    }

private:
    ForEachPass m_for_each_pass;
    KeyFn m_key;
    CountFn m_count;
    FlatMap<std::tuple_size_v<Key>, std::pair<ActionCounts, uint64_t>> m_passes;
    FlatMap<std::tuple_size_v<TileKey>, std::pair<ActionCounts, uint64_t>> m_tiles;
    std::vector<uint64_t> m_repeats;  // by pass index: the repeats of the tile being summed
    std::vector<size_t> m_touched;  // the pass indices it has, in the order first seen
};

// Zero skipping in the pass models' cycles: the share of its MAC slots on real ifmap words a PE
// still issues when the layer's `skipped` slots (DataZeros::ifmap_zero_slots for rs) are given
// back, the data's zeros spread evenly over the PEs and columns (1 without skipping or with the
// zeros unknown). The padding's slots are left out of both: they sit in the edge rows and
// columns, and the PEs on real rows set the pass's time. An approximation: the hardware waits
// for the PE with the most left.
inline double issued_share(const Layer& l, const ArchParams& a, int64_t skipped) {
    if (!a.pe.zero_skipping || skipped <= 0) return 1;  // before padding_macs: a pass model is made per block
    const uint64_t macs = l.shape.macs(), pad = l.shape.padding_macs();
    if (macs <= pad) return 1;
    const double data = std::max(0.0, static_cast<double>(skipped) - static_cast<double>(pad));
    return 1 - std::min(1.0, data / static_cast<double>(macs - pad));
}
inline uint64_t issued_slots(uint64_t slots, double share) {
    return share >= 1 ? slots : static_cast<uint64_t>(std::llround(static_cast<double>(slots) * share));
}

// The counts of a layer whose data's zeros are known (Layer::zeros).
// - Gating: the pass models gate the padding zeros only, so the known count of gated slots
//   replaces theirs, and each slot gated besides those also skips its filter and psum
//   register-file reads and its psum write (where the MACs read register files at all), as the
//   hardware models count it. Exact: the simulator counts the same.
// - RLC: the DRAM link moves the ifmap's and the output's bits scaled by their whole tensor's
//   code ratio. An approximation: the simulator codes each transfer (a tile) on its own, and
//   the estimate's cycles still move the raw bits.
// - Spilled psums (ActionCounts::dram_spill_writes, and every DRAM psum read), `psum_bits` wide,
//   are never coded: the output's code ratio scales the rest of the psum bits.
inline ActionCounts with_data(const Layer& l, ActionCounts c, int psum_bits) {
    const DataZeros& z = l.zeros;
    if (z.gated_macs >= 0) {
        const uint64_t known = static_cast<uint64_t>(z.gated_macs);
        if (c.acc.at(Level::Rf, DataType::Ifmap).reads > 0) {
            auto shift = [&](uint64_t& v) { v = v + c.gated_macs - known; };  // modulo 2^64: exact when it ends >= 0
            shift(c.acc.at(Level::Rf, DataType::Filter).reads);
            shift(c.acc.at(Level::Rf, DataType::Psum).reads);
            shift(c.acc.at(Level::Rf, DataType::Psum).writes);
        }
        c.gated_macs = known;
    }
    auto code = [&](DataType d, double ratio) {
        const int i = static_cast<int>(d);
        const uint64_t raw_only = d == DataType::Psum ? (c.acc.at(Level::Dram, d).reads + c.dram_spill_writes) *
                                                            static_cast<uint64_t>(psum_bits)
                                                      : 0;
        if (ratio > 0)
            c.dram_moved_bits[i] =
                static_cast<uint64_t>(std::llround(static_cast<double>(c.dram_raw_bits[i] - raw_only) * ratio)) +
                raw_only;
    };
    code(DataType::Ifmap, z.ifmap_link);
    code(DataType::Psum, z.output_link);
    return c;
}

// An estimate made of `counts` and `cycles`: the buffer the tiling allocates and the energy of the
// counts (`em`, the energy table on a), with the layer's own zeros gated (what estimate_tiled and
// bound_tiled both finish with).
inline Estimate tiled_estimate(const Layer& l, const ArchParams& a, const GlbTiling& t, const EnergyModel& em,
                               const ActionCounts& counts, uint64_t cycles) {
    DFSIM_ASSERT(&em.arch() == &a, "an energy model of another architecture");
    Estimate est;
    est.counts = with_data(l, counts, a.pe.psum_bits);
    est.cycles = cycles;
    est.glb_bytes = tiling_glb_bytes(l, a, t);
    const EnergyBreakdown e = em(est.counts, layer_widths(l, a), cycles);
    est.energy = e.total();
    est.dynamic_energy = e.dynamic();
    return est;
}

// The analytical estimate of a tiled mapping: the tiling's traffic (tiling_traffic walks every
// tile and schedules them) plus its passes, counted by `passes` (a TilePasses).
template <typename Passes>
Estimate estimate_tiled(const Layer& l, const ArchParams& a, const GlbTiling& t, const EnergyTable& table,
                        Passes& passes) {
    const TiledTotals tot = tiling_traffic(l, a, t, [&](const TileStep& st, TiledTotals& acc) {
        const auto& [counts, cycles] = passes(st);
        acc.counts += counts;
        acc.pass_cycles += cycles;
    });
    return tiled_estimate(l, a, t, EnergyModel(table, a), tot.counts, tot.cycles);
}

// The mapper's first, cheap look at a tiled mapping: the estimate's counts and energy exactly
// The counts and cycles of all the passes of a tiling: each tile class's passes times its size.
// They depend on the tile sizes only, not on the loop order or the buffering.
template <typename Passes>
std::pair<ActionCounts, uint64_t> tiling_passes(const Layer& l, const GlbTiling& t, Passes& passes) {
    std::pair<ActionCounts, uint64_t> sum{};
    for_each_tile_class(l, t, [&](const TileStep& st, uint64_t n) {
        const auto& [tile_counts, cycles] = passes(st);
        sum.first.combine(tile_counts, [n](uint64_t& x, uint64_t y) { x += n * y; });
        sum.second += n * cycles;
    });
    return sum;
}

// traffic_counts of one layer on one architecture, its tile walks (the ifmap and filter fills)
// kept by tiling: a tiling's traffic depends on its tile sizes, loop order and buffering, not on
// the array mapping, so the mapper's bounds of different blocks' candidates with the same tiling
// walk its tiles once. Threads may share one.
class TrafficMemo {
public:
    ActionCounts get(const Layer& l, const ArchParams& a, const GlbTiling& t);

private:
    std::mutex m_mutex;
    FlatMap<9, std::array<uint64_t, 2>> m_fills;  // ifmap and filter words loaded
};

// The passes' sums (tiling_passes) of one layer's tilings on one architecture, by block (six
// numbers that tell a dataflow's blocks apart) and tile sizes: the mapper bounds its candidates
// coarsely first and the few that come near the best again with their traffic, and their passes
// are the same both times. Threads may share one.
class PassSums {
public:
    using Key = std::array<int, 10>;
    static Key key(const std::array<int, 6>& block, const GlbTiling& t) {
        return {block[0], block[1], block[2], block[3], block[4], block[5], t.Nt, t.Et, t.Mt, t.Ct};
    }
    // The sums kept under `k` into `out`; false (out untouched) if there are none.
    bool find(const Key& k, std::pair<ActionCounts, uint64_t>& out) {
        std::lock_guard<std::mutex> lock(m_mutex);
        const auto* v = m_sums.find(k);
        if (v) out = *v;
        return v != nullptr;
    }
    void put(const Key& k, const std::pair<ActionCounts, uint64_t>& v) {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_sums.get_or_make(k, [&] { return v; });
    }

private:
    std::mutex m_mutex;
    FlatMap<10, std::pair<ActionCounts, uint64_t>> m_sums;
};

// The mapper's first, cheap look at a tiled mapping: the estimate's counts and energy exactly
// (traffic_counts, from `memo` if given, plus the passes, tiling_passes), but for cycles only
// tiled_cycles_lower_bound (cycles_exact false). No tile is walked.
inline Estimate bound_tiled(const Layer& l, const ArchParams& a, const GlbTiling& t, const EnergyModel& em,
                            const std::pair<ActionCounts, uint64_t>& all_passes, TrafficMemo* memo = nullptr) {
    const ActionCounts traffic = memo ? memo->get(l, a, t) : traffic_counts(l, a, t);
    ActionCounts counts = traffic;
    counts += all_passes.first;
    Estimate est = tiled_estimate(l, a, t, em, counts, tiled_cycles_lower_bound(l, a, t, all_passes.second, traffic));
    est.cycles_exact = false;
    return est;
}

// Words every tiling of the layer moves at least: each ifmap row some output needs (of each image
// and channel), each weight, each output once; as traffic_counts counts them.
ActionCounts compulsory_traffic(const Layer& l, const ArchParams& a);

// A lower bound on bound_tiled of every tiling with t's tile sizes, in any order and buffering:
// the passes (tiling_passes) and the compulsory traffic (`traffic`, compulsory_traffic); cycles
// as the order that allows the least.
inline Estimate coarse_bound(const Layer& l, const ArchParams& a, const GlbTiling& t, const EnergyModel& em,
                             const std::pair<ActionCounts, uint64_t>& all_passes, const ActionCounts& traffic) {
    ActionCounts counts = traffic;
    counts += all_passes.first;
    GlbTiling images_outer = t;  // the order whose cycle bound is the least (extrapolates_images)
    images_outer.order = kOrderNEM;
    images_outer.c_pos = 3;
    Estimate est =
        tiled_estimate(l, a, t, em, counts, tiled_cycles_lower_bound(l, a, images_outer, all_passes.second, traffic));
    est.cycles_exact = false;
    est.coarse = true;
    return est;
}

// A lower bound on coarse_bound of every tiling of a block that the mappers try: the passes of
// the whole layer as one tile (`whole`: tiling_passes of whole_layer_tile) and the compulsory
// traffic (`compulsory`); for cycles, those passes' taken as tiled_cycles_lower_bound takes them
// for one image a tile (the least any tile size allows). The mappers' tile sizes are multiples of
// the block (for_each_tiling) or whole extents, so a tiling runs the same filter, channel and
// filter-row blocks as the whole layer does, and more tiles only add to them: more filter loads,
// more and shorter output-row blocks, passes that share fewer ifmap rows. (The mapper holds every
// floor it computes against the coarse bounds it computes after: search_mappings.)
Estimate block_floor(const Layer& l, const ArchParams& a, const EnergyModel& em,
                     const std::pair<ActionCounts, uint64_t>& whole, const ActionCounts& compulsory);
// The tiling of one tile holding the whole layer (every image, row, filter and channel).
GlbTiling whole_layer_tile(const Layer& l);

// block_floor of m's block, its passes counted by make_passes(m) (a TilePasses).
template <typename M, typename MakePasses>
Estimate floor_of_block(const Layer& l, const ArchParams& a, const EnergyTable& table, const M& m,
                        MakePasses make_passes) {
    M whole = m;
    static_cast<GlbTiling&>(whole) = whole_layer_tile(l);
    auto passes = make_passes(whole);
    return block_floor(l, a, EnergyModel(table, a), tiling_passes(l, whole, passes), compulsory_traffic(l, a));
}

// bound_tiled of consecutive mappings of type M, one TilePasses (make_passes(m)) shared by each
// run of mappings of the same block (block_key(m): six numbers that tell the dataflow's blocks
// apart), and the passes' sum (tiling_passes) by each run with the same tile sizes (a tiling's
// loop orders and bufferings), kept in cut.sums if given: what Dataflow::bound_all does for a
// dataflow. A run whose coarse_bound is above `cut` gets the coarse bound; with a finite cut, a
// run whose channel tiles' floor is above it gets that floor before its passes are counted
// (block_floor of the whole layer in tiles of Ct channels: below the coarse bound of every tiling
// of the block with those channel tiles, for the reason block_floor is below them all).
template <typename M, typename MakePasses, typename BlockKey>
void bound_by_block(const Layer& l, const ArchParams& a, const EnergyTable& table,
                    const std::vector<const Mapping*>& ms, Estimate* out, MakePasses make_passes, BlockKey block_key,
                    const BoundCutoff& cut) {
    const bool cutting = cut.limit < std::numeric_limits<double>::infinity();
    const bool flooring = cutting && cut.limit > -std::numeric_limits<double>::infinity();
    const ActionCounts compulsory = cutting ? compulsory_traffic(l, a) : ActionCounts{};
    const EnergyModel em(table, a, layer_widths(l, a));
    for (size_t i = 0; i < ms.size();) {
        const auto& first = mapping_as<M>(*ms[i]);
        const std::array<int, 6> block = block_key(first);
        std::optional<decltype(make_passes(first))> made;  // made when first needed
        auto passes = [&]() -> auto& {
            if (!made) made.emplace(make_passes(first));
            return *made;
        };
        const GlbTiling* sizes = nullptr;  // the tile sizes all_passes is of
        std::vector<std::pair<int, Estimate>> c_floors;  // block_floor with Ct channels a tile, by Ct
        std::pair<ActionCounts, uint64_t> all_passes;
        Estimate coarse;
        bool cut_off = false;  // the coarse bound of these sizes is above the cut-off
        for (; i < ms.size(); ++i) {
            const M& m = mapping_as<M>(*ms[i]);
            if (block_key(m) != block) break;
            const GlbTiling& t = m;
            if (!sizes || sizes->Nt != t.Nt || sizes->Et != t.Et || sizes->Mt != t.Mt || sizes->Ct != t.Ct) {
                sizes = &t;
                cut_off = false;
                if (flooring) {  // the floor of the block's tilings with these channel tiles
                    auto f =
                        std::find_if(c_floors.begin(), c_floors.end(), [&](const auto& x) { return x.first == t.Ct; });
                    if (f == c_floors.end()) {
                        GlbTiling w = whole_layer_tile(l);
                        w.Ct = t.Ct;
                        c_floors.emplace_back(t.Ct, block_floor(l, a, em, tiling_passes(l, w, passes()), compulsory));
                        f = c_floors.end() - 1;
                    }
                    coarse = f->second;
                    cut_off = objective_figure(coarse, cut.objective) > cut.limit;
                }
                if (!cut_off) {
                    const PassSums::Key key = PassSums::key(block, t);
                    const bool kept = cut.sums && cut.sums->find(key, all_passes);
                    if (!kept) all_passes = tiling_passes(l, t, passes());
                    if (cutting) {
                        coarse = coarse_bound(l, a, t, em, all_passes, compulsory);
                        cut_off = objective_figure(coarse, cut.objective) > cut.limit;
                    }
                    // kept unless cut off by a finite limit: then never bounded again (the limit
                    // only falls)
                    if (cut.sums && !kept && !(flooring && cut_off)) cut.sums->put(key, all_passes);
                }
            }
            out[i] = cut_off || cut.coarse_only ? coarse : bound_tiled(l, a, t, em, all_passes, cut.traffic);
        }
    }
}

}  // namespace dfsim
