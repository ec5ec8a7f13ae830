// No local reuse (DianNao-like; Sze et al., Proc. IEEE 2017, Sec. V): the spatial assignment of
// weight stationary with one filter per PE column, but no register files: every MAC's weight is
// unicast from the buffer, ifmaps are multicast along the rows, each column sums its products
// (chain or adder tree, arch noc.reduction) and the sum is accumulated in the buffer. Runs on
// the array's reduce mode with the weights from the buffer (hw::WeightSource::BufferUnicast).
#pragma once
#include "dataflows/grid_dataflow.h"

namespace dfsim {

class NoLocalReuse final : public GridDataflow {
public:
    NoLocalReuse() : GridDataflow(GridVariant::Nlr) {}
    std::string description() const override;
    std::string block_summary(const GridMapping& m) const override;
    void pass_loops(const Layer& l, const GridMapping& m, int depth, std::ostream& os) const override;

protected:
    std::string check_block(const Layer& l, const ArchParams& a, const GridMapping& m) const override;
    std::vector<GridMapping> candidate_blocks(const Layer& l, const ArchParams& a) const override {
        return reduce_blocks(l, a, GridVariant::Nlr, 1);
    }
    std::array<int, 3> tile_blocks(const GridMapping& m) const override { return {m.mp, m.cp, 1}; }
    void parse_block(const YamlMap& y, GridMapping& m) const override;
    void for_each_pass(const Layer& l, const GridMapping& m, const TileStep& st,
                       const std::function<void(const GridPassInfo&)>& pass, bool collapse) const override {
        for_each_reduce_pass(l, m, st, pass, collapse);
    }
    hw::GridMode pass_mode(const Layer&, const ArchParams&, const GridMapping&, const GridPassInfo&) const override {
        return hw::ReduceMode{hw::WeightSource::BufferUnicast, 1};
    }
    std::pair<ActionCounts, Cycle> pass_estimate(const Layer& l, const ArchParams& a, const GridMapping& m,
                                                 const GridPassInfo& pi) const override;
};

}  // namespace dfsim
