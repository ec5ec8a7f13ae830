// Output stationary (Sze et al., Proc. IEEE 2017, Sec. V; Chen/Emer/Sze, ISCA 2016, Sec. VI):
// each PE keeps one output's psum in its register file for all channels of the buffer tile,
// while weights and ifmap words are multicast to the PEs that use them. Three variants, which
// differ in the block of outputs a pass holds and how it sits on the array:
//  - os-a one filter, a block of output pixels (ShiDianNao-like): PE rows <- output rows, PE
//         columns <- output columns; at stride 1 ifmap words shift between neighbours;
//  - os-b several filters (PE rows) x several pixels (PE columns);
//  - os-c many filters (one per PE, row by row over the array), one pixel: suited to FC layers.
// Runs on the array's output mode (hw::OutputMode).
#pragma once
#include "dataflows/grid_dataflow.h"

namespace dfsim {

class OutputStationary final : public GridDataflow {
public:
    explicit OutputStationary(GridVariant v);  // OsA, OsB or OsC
    std::string description() const override;
    std::string block_summary(const GridMapping& m) const override;
    void pass_loops(const Layer& l, const GridMapping& m, int depth, std::ostream& os) const override;

protected:
    std::string check_block(const Layer& l, const ArchParams& a, const GridMapping& m) const override;
    std::vector<GridMapping> candidate_blocks(const Layer& l, const ArchParams& a) const override;
    std::array<int, 3> tile_blocks(const GridMapping& m) const override { return {m.mp, 1, m.ep}; }
    void parse_block(const YamlMap& y, GridMapping& m) const override;
    // Per image, filter block, output-row block and output-column block; each pass covers all the
    // tile's channels and filter rows. Collapsed, only the first image's passes (they count alike
    // for every image), each standing for the tile's Nt; of the filter blocks the first, one
    // middle and the last; of the full output-row blocks whose ifmap rows are all real the first,
    // and so of the output-column blocks.
    void for_each_pass(const Layer& l, const GridMapping& m, const TileStep& st,
                       const std::function<void(const GridPassInfo&)>& pass, bool collapse) const override;
    hw::GridMode pass_mode(const Layer& l, const ArchParams& a, const GridMapping& m,
                           const GridPassInfo& pi) const override;
    std::pair<ActionCounts, Cycle> pass_estimate(const Layer& l, const ArchParams& a, const GridMapping& m,
                                                 const GridPassInfo& pi) const override;

private:
    // os-a at stride 1: a PE takes the ifmap word its right neighbour used the step before
    bool forwards(const Layer& l) const { return variant() == GridVariant::OsA && l.shape.U == 1; }
};

}  // namespace dfsim
