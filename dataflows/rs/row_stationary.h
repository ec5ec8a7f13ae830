// Row stationary (Eyeriss, Chen/Emer/Sze ISCA 2016, JSSC 2017): a PE runs the 1-D convolution
// of one filter row with one ifmap row into one psum row. A logical PE set of R x E PEs computes
// a 2-D convolution: filter rows are reused horizontally, ifmap rows diagonally, psums accumulate
// vertically. Sets wider than the array are folded into strips of `e` output rows, taller ones
// into segments of `h` filter rows; smaller sets are replicated: `r` sets with different channels
// are chained vertically (their psums add up) and `t` chains work on different filters. Each PE
// interleaves `p` filters and `q` channels (Eyeriss's p, q, r, t). The global buffer holds tiles
// of Nt images x Et output rows x Mt filters x Ct channels (dataflows/tiling.h).
#pragma once
#include <functional>

#include "dataflows/dataflow.h"
#include "dataflows/tiling.h"

namespace dfsim {

struct RsMapping final : Mapping, GlbTiling {
    int h = 1, e = 1;  // set height (filter rows) and width (output rows) per pass
    int p = 1, q = 1;  // filters and channels interleaved in each PE
    int r = 1, t = 1;  // chained channel sets per chain, chains (filter sets) on the array
    std::string summary() const override;
    std::string loop_nest(const Layer& l) const override;
    std::string to_yaml() const override;
};

// One pass of the array as the mapping defines it (shared by the program builder and the
// analytical model, which count it independently).
struct RsPassInfo {
    int n0 = 0;  // image within the tile
    int repeat = 1;  // collapsed walk: the pass stands for this many images' passes
    int e0 = 0, e_count = 1;  // output rows (absolute)
    int psum_e0 = 0;  // row in the psum tile
    int m0 = 0, m_count = 1;  // filters (tile-local)
    int c0 = 0, c_count = 1;  // channels (tile-local)
    int r0 = 0, r_count = 1;  // filter rows
    bool load_filters = true, psum_in = false, final_out = false;
};

class RowStationary final : public Dataflow {
public:
    std::string name() const override { return "rs"; }
    std::string description() const override {
        return "row stationary (Eyeriss): 1-D row convolutions per PE, filter rows reused "
               "horizontally, ifmap rows diagonally, psums accumulated vertically";
    }
    std::string mapper_name() const override { return "row-stationary"; }
    hw::Program build_program(const Layer& l, const ArchParams& a, const Mapping& m) const override;
    Estimate estimate(const Layer& l, const ArchParams& a, const EnergyTable& t, const Mapping& m) const override;
    Estimate bound(const Layer& l, const ArchParams& a, const EnergyTable& t, const Mapping& m) const override;
    void bound_all(const Layer& l, const ArchParams& a, const EnergyTable& t, const std::vector<const Mapping*>& ms,
                   Estimate* out, const BoundCutoff& cut) const override;
    Estimate floor(const Layer& l, const ArchParams& a, const EnergyTable& t, const Mapping& m) const override;
    bool quick_floors(const Layer& l, const ArchParams& a, const EnergyTable& t,
                      const std::vector<const Mapping*>& blocks, Estimate* out) const override;
    void for_each_block(const Layer& l, const ArchParams& a,
                        const std::function<void(const Mapping&)>& visit) const override;
    void for_each_tiling_of(const Layer& l, const ArchParams& a, const Mapping& block,
                            const std::function<void(const Mapping&)>& visit) const override;
    std::unique_ptr<Mapping> clone(const Mapping& m) const override {
        return std::make_unique<RsMapping>(mapping_as<RsMapping>(m));
    }
    std::array<int, 3> tile_blocks_of(const Layer& l, const Mapping& block) const override;
    std::string check_mapping(const Layer& l, const ArchParams& a, const Mapping& m) const override;
    std::unique_ptr<Mapping> parse_mapping(const YamlMap& y, const Layer& l, const ArchParams& a) const override;

    // Checks a mapping's legality; returns "" or the first violated constraint.
    static std::string check(const Layer& l, const ArchParams& a, const RsMapping& m);
    // Visits a tile's passes in execution order.
    // With collapse (the analytical model's walk), the passes of the tile's images after the
    // second are not visited: the second image's passes carry repeat = Nt - 1 (they count
    // alike); of the filter and channel blocks only the first, one middle and the last are, the
    // middle one's passes standing for every middle block; and of the full output-row blocks
    // after the first whose ifmap rows are all real, only the first, standing for all of them.
    static void for_each_pass(const Layer& l, const RsMapping& m, const TileStep& st,
                              const std::function<void(const RsPassInfo&)>& pass, bool collapse = false);
};

}  // namespace dfsim
