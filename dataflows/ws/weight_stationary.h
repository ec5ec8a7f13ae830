// Weight stationary (NeuFlow, TPU-like; Sze et al., Proc. IEEE 2017, Sec. V): PE rows take
// (channel, filter row) pairs, PE columns filters; each PE keeps p filters' rows of S weights in
// its filter RF for a whole pass over every output pixel of the buffer tile; ifmap windows are
// multicast along the rows; psums flow down the columns and out to the buffer. Runs on the
// array's reduce mode with the weights in the register files (hw::WeightSource::RegisterFile).
#pragma once
#include "dataflows/grid_dataflow.h"

namespace dfsim {

class WeightStationary final : public GridDataflow {
public:
    WeightStationary() : GridDataflow(GridVariant::Ws) {}
    std::string description() const override;
    std::string block_summary(const GridMapping& m) const override;
    void pass_loops(const Layer& l, const GridMapping& m, int depth, std::ostream& os) const override;

protected:
    std::string check_block(const Layer& l, const ArchParams& a, const GridMapping& m) const override;
    std::vector<GridMapping> candidate_blocks(const Layer& l, const ArchParams& a) const override;
    std::array<int, 3> tile_blocks(const GridMapping& m) const override { return {m.mp, m.cp, 1}; }
    void parse_block(const YamlMap& y, GridMapping& m) const override;
    void for_each_pass(const Layer& l, const GridMapping& m, const TileStep& st,
                       const std::function<void(const GridPassInfo&)>& pass, bool collapse) const override {
        for_each_reduce_pass(l, m, st, pass, collapse);
    }
    hw::GridMode pass_mode(const Layer&, const ArchParams&, const GridMapping& m, const GridPassInfo&) const override {
        return hw::ReduceMode{hw::WeightSource::RegisterFile, m.p};
    }
    std::pair<ActionCounts, Cycle> pass_estimate(const Layer& l, const ArchParams& a, const GridMapping& m,
                                                 const GridPassInfo& pi) const override;
};

}  // namespace dfsim
