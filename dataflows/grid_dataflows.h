// The dataflows that run on the PE array's reduce and output-stationary modes (hw::GridPass),
// siblings of row stationary behind the same interface (Sze et al., Proc. IEEE 2017, Sec. V;
// Chen/Emer/Sze ISCA 2016, Sec. VI, for the OS variants and the equal-area comparison):
//  - ws   weight stationary (NeuFlow, TPU-like): PE rows <- (channel, filter row) pairs, columns
//         <- filters; each PE keeps p filters' rows of S weights in its filter RF for a whole
//         pass over every output pixel of the buffer tile; ifmap windows are multicast along the
//         rows; psums flow down the columns and out to the buffer.
//  - nlr  no local reuse (DianNao-like): the same spatial assignment, but no register files:
//         every MAC's weight is unicast from the buffer, ifmaps multicast along the rows, the
//         column sums its products (chain or adder tree, arch noc.reduction) and the sum is
//         accumulated in the buffer.
//  - os-a output stationary, one filter, a block of output pixels (ShiDianNao-like: PE rows <-
//         output rows, columns <- output columns, ifmaps shift between neighbours at stride 1).
//  - os-b output stationary, several filters (PE rows) x several pixels (PE columns).
//  - os-c output stationary, many filters (every PE), one pixel: suited to FC layers.
// The output-stationary variants keep each psum in its PE for all channels of the buffer tile.
#pragma once
#include <functional>

#include "dataflows/dataflow.h"
#include "dataflows/tiling.h"

namespace dfsim {

enum class GridVariant { Ws, Nlr, OsA, OsB, OsC };

struct GridMapping final : Mapping, GlbTiling {
    GridVariant variant = GridVariant::Ws;
    int mp = 1;          // filters per pass (ws: <= cols*p; nlr: <= cols; os-a: 1; os-b: <= rows; os-c: <= PEs)
    int p = 1;           // ws: filters per PE
    int cp = 1, rp = 1;  // ws/nlr: channels and filter rows on the PE rows (cp*rp <= rows)
    int ep = 1, fp = 1;  // os: output rows and columns per pass
    std::string summary() const override;
    std::string loop_nest(const Layer& l) const override;
};

// One pass as the mapping defines it (shared by the program builder and the analytical model).
struct GridPassInfo {
    int m0 = 0, m_count = 1, c0 = 0, c_count = 1, r0 = 0, r_count = 1;
    int n0 = 0, n_count = 1;  // images (within the tile)
    int repeat = 1;       // collapsed walk: the pass stands for this many images' passes
    int e0 = 0, e_count = 1, psum_e0 = 0, f0 = 0, f_count = 1;
    bool psum_in = false, final_out = false;
};

class GridDataflow final : public Dataflow {
public:
    explicit GridDataflow(GridVariant v) : m_variant(v) {}
    std::string name() const override;
    std::string description() const override;
    std::unique_ptr<Mapping> choose_mapping(const Layer& l, const ArchParams& a, const EnergyTable& t,
                                            Objective obj) const override;
    hw::Program build_program(const Layer& l, const ArchParams& a, const Mapping& m) const override;
    Estimate estimate(const Layer& l, const ArchParams& a, const EnergyTable& t,
                      const Mapping& m) const override;
    std::unique_ptr<Mapping> parse_mapping(const YamlMap& y, const Layer& l, const ArchParams& a) const override;

    // "" or the first violated constraint.
    static std::string check(const Layer& l, const ArchParams& a, const GridMapping& m);
    // With collapse_images, output-stationary passes of images after the first are not visited:
    // the first image's passes carry repeat = Nt (they count alike).
    static void for_each_pass(const Layer& l, const GridMapping& m, const TileStep& st,
                              const std::function<void(const GridPassInfo&)>& pass, bool collapse_images = false);

private:
    GridVariant m_variant;
};

}  // namespace dfsim
