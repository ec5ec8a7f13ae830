// What the dataflows that run on the PE array's reduce and output-stationary modes (hw::GridPass)
// share: weight stationary (dataflows/ws), no local reuse (dataflows/nlr) and the three output-
// stationary variants (dataflows/os). Siblings of row stationary behind the same interface (Sze
// et al., Proc. IEEE 2017, Sec. V; Chen/Emer/Sze, ISCA 2016, Sec. VI, for the OS variants and the
// equal-area comparison). A GridDataflow maps a layer as a buffer tiling (dataflows/tiling.h)
// plus a block of filters, channels, filter rows and outputs per pass; this base class holds the
// mapper's search, the program builder and the analytical walk, and each dataflow says which
// blocks it tries, which are legal, how the array runs a pass and what a pass costs.
#pragma once
#include <array>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "dataflows/dataflow.h"
#include "dataflows/tiling.h"

namespace dfsim {

enum class GridVariant { Ws, Nlr, OsA, OsB, OsC };

struct GridMapping final : Mapping, GlbTiling {
    GridVariant variant = GridVariant::Ws;
    int mp = 1;  // filters per pass (ws: <= cols*p; nlr: <= cols; os-a: 1; os-b: <= rows; os-c: <= PEs)
    int p = 1;  // ws: filters per PE
    int cp = 1, rp = 1;  // ws/nlr: channels and filter rows on the PE rows (cp*rp <= rows)
    int ep = 1, fp = 1;  // os: output rows and columns per pass
    std::string summary() const override;
    std::string loop_nest(const Layer& l) const override;
    std::string to_yaml() const override;
};

// One pass as the mapping defines it (shared by the program builder and the analytical model).
struct GridPassInfo {
    int m0 = 0, m_count = 1;  // filters (tile-local)
    int c0 = 0, c_count = 1;  // channels (tile-local)
    int r0 = 0, r_count = 1;  // filter rows
    int n0 = 0, n_count = 1;  // images (within the tile)
    int repeat = 1;  // collapsed walk: the pass stands for this many alike passes
    int e0 = 0, e_count = 1;  // output rows (absolute)
    int psum_e0 = 0;  // row of e0 in the psum tile
    int f0 = 0, f_count = 1;  // output columns
    bool psum_in = false, final_out = false;
};

// What the analytical model knows of one pass on data without zeros other than padding: its
// ifmap rows (image, channel, output row, filter row) and the words the ifmap bus carries. The
// models' formulas write a pass's m_count, c_count, r_count, n_count, e_count, f_count as Mp, Cp,
// Rp, Np, Ep, Fp, the notation of docs/dataflows.md.
struct GridPassModel {
    uint64_t rows = 0, real_rows = 0;  // ifmap rows, and those inside the image
    uint64_t window_words = 0;  // words in the windows of one row (f_count * S)
    uint64_t window_real = 0;  // of those, real (not padding)
    uint64_t bus_words = 0, bus_real = 0;  // words of one row on the ifmap bus, real ones
    uint64_t fwd_words = 0;  // words of one row a PE takes from its neighbour (per filter)
    uint64_t pixels = 0, outs = 0;  // outputs per filter, outputs
    uint64_t macs = 0, gated = 0;  // MAC slots, and those gated by padding zeros
    uint64_t fwords = 0;  // distinct weights
    uint64_t chain = 0;  // (channel, filter row) pairs: reduce: PEs down a column
};
GridPassModel model_grid_pass(const Layer& l, const GridPassInfo& pi, bool forward_ifmap);

class GridDataflow : public Dataflow {
public:
    explicit GridDataflow(GridVariant v) : m_variant(v) {}
    GridVariant variant() const { return m_variant; }
    std::string name() const override;
    hw::Program build_program(const Layer& l, const ArchParams& a, const Mapping& m) const override;
    Estimate estimate(const Layer& l, const ArchParams& a, const EnergyTable& t, const Mapping& m) const override;
    Estimate bound(const Layer& l, const ArchParams& a, const EnergyTable& t, const Mapping& m) const override;
    void bound_all(const Layer& l, const ArchParams& a, const EnergyTable& t, const std::vector<const Mapping*>& ms,
                   Estimate* out, const BoundCutoff& cut) const override;
    Estimate floor(const Layer& l, const ArchParams& a, const EnergyTable& t, const Mapping& m) const override;
    void for_each_block(const Layer& l, const ArchParams& a,
                        const std::function<void(const Mapping&)>& visit) const override;
    void for_each_tiling_of(const Layer& l, const ArchParams& a, const Mapping& block,
                            const std::function<void(const Mapping&)>& visit) const override;
    std::unique_ptr<Mapping> clone(const Mapping& m) const override {
        return std::make_unique<GridMapping>(mapping_as<GridMapping>(m));
    }
    std::array<int, 3> tile_blocks_of(const Layer&, const Mapping& block) const override {
        return tile_blocks(mapping_as<GridMapping>(block));
    }
    std::string check_mapping(const Layer& l, const ArchParams& a, const Mapping& m) const override;
    std::unique_ptr<Mapping> parse_mapping(const YamlMap& y, const Layer& l, const ArchParams& a) const override;
    // "" or the first violated constraint (the block, then the tiling).
    std::string check(const Layer& l, const ArchParams& a, const GridMapping& m) const;

    // The mapping's block sizes ("cp=.. rp=.. mp=..") and its pass loops inside a buffer tile.
    virtual std::string block_summary(const GridMapping& m) const = 0;
    virtual void pass_loops(const Layer& l, const GridMapping& m, int depth, std::ostream& os) const = 0;

protected:
    // "" or the first constraint of the array and the PEs the mapping's block breaks.
    virtual std::string check_block(const Layer& l, const ArchParams& a, const GridMapping& m) const = 0;
    // The blocks the mapper tries (the tiling comes next).
    virtual std::vector<GridMapping> candidate_blocks(const Layer& l, const ArchParams& a) const = 0;
    // The filter, channel and output-row blocks a buffer tile is made of.
    virtual std::array<int, 3> tile_blocks(const GridMapping& m) const = 0;
    // Reads a pinned mapping's block fields.
    virtual void parse_block(const YamlMap& y, GridMapping& m) const = 0;
    // Visits a tile's passes, in execution order. With collapse (the analytical model's walk),
    // passes the pass model counts alike (they differ only in their image, in the offset of a
    // filter or channel block that is neither a first nor a last one, or in the offset of a full
    // block of output rows or columns whose ifmap rows or columns are all real) may be visited
    // once, with repeat standing for all of them.
    virtual void for_each_pass(const Layer& l, const GridMapping& m, const TileStep& st,
                               const std::function<void(const GridPassInfo&)>& pass, bool collapse) const = 0;
    // How the array runs a pass: its mode and, in it, the PE placement.
    virtual hw::GridMode pass_mode(const Layer& l, const ArchParams& a, const GridMapping& m,
                                   const GridPassInfo& pi) const = 0;
    // The analytical model of one pass: its counts and estimated cycles.
    virtual std::pair<ActionCounts, Cycle> pass_estimate(const Layer& l, const ArchParams& a, const GridMapping& m,
                                                         const GridPassInfo& pi) const = 0;

    // Where a PE puts the operands delivered to it: nowhere (nlr: the MAC takes them off the bus),
    // into its register files (ws: the ifmap window, read by each of the PE's p filters), or into
    // operand registers, each word latched for one MAC (os). With either store the MACs read their
    // operands and psums as RF reads; only the delivery's write differs (RF write or opreg write).
    enum class OperandStore { None, RegisterFile, OperandRegister };
    // The counts every grid dataflow's pass shares: MACs, the ifmap words from the buffer over the
    // bus to `fanout` PEs each (plus the forwarded ones), the filter words read from the buffer and
    // delivered, and with PE storage the MACs' RF accesses and the deliveries' writes; and the
    // final outputs.
    static ActionCounts count_pass(const Layer& l, const GridPassInfo& pi, const GridPassModel& pm, uint64_t fanout,
                                   OperandStore store, uint64_t filter_reads, uint64_t filter_deliveries);

private:
    // The passes of a mapping, each distinct tile and pass counted once (estimate_tiled, bound_tiled).
    auto passes(const Layer& l, const ArchParams& a, const GridMapping& m) const;
    hw::GridPass make_pass(const Layer& l, const ArchParams& a, const GridMapping& m, const TileStep& st,
                           const TileSlotIds& ids, const GridPassInfo& pi) const;
    GridVariant m_variant;
};

// The grid dataflow of a variant (from the registry).
const GridDataflow& grid_dataflow(GridVariant v);

// The reduce mode's pieces weight stationary and no local reuse share: PE rows take cp*rp
// (channel, filter row) pairs, PE columns blocks of p filters.
// "" or the first constraint the PE rows break (rp, cp, cp*rp).
std::string check_reduce_rows(const Layer& l, const ArchParams& a, const GridMapping& m);
// "" or the constraint the PE columns break (mp).
std::string check_reduce_columns(const Layer& l, const ArchParams& a, const GridMapping& m);
// The blocks the mapper tries: filter rows per channel (all, or a split of R), as many channels
// as the rows hold, p = pmax and the powers of two below it, all columns busy.
std::vector<GridMapping> reduce_blocks(const Layer& l, const ArchParams& a, GridVariant v, int pmax);
// A tile's passes: filter blocks, channel blocks, filter-row blocks; every image of the tile in
// each pass (the weights serve them all). Collapsed, of the filter and channel blocks only the
// first, one middle and the last (GridDataflow::for_each_pass).
void for_each_reduce_pass(const Layer& l, const GridMapping& m, const TileStep& st,
                          const std::function<void(const GridPassInfo&)>& pass, bool collapse);
// The pass loops and the array's spatial loop of a reduce mapping; returns the depth inside.
int reduce_pass_loops(const Layer& l, const GridMapping& m, int depth, std::ostream& os);

// n, n/2, n/4, ..., 1
std::vector<int> halvings(int n);
// Bits moved over a resource `width` bits wide: its cycles.
inline uint64_t bus_cycles(uint64_t bits, int width) {
    return (bits + static_cast<uint64_t>(width) - 1) / static_cast<uint64_t>(width);
}

}  // namespace dfsim
