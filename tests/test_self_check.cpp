// The simulator's self-checks (sim/self_check.h): a real result passes them, and each identity,
// broken on purpose in a copy of that result, is an InternalError naming the layer and the
// identity (exit code 3 on the command line), never a silent wrong number.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "sim/self_check.h"
#include "sim/simulator.h"
#include "tests/test_util.h"

using namespace dfsim;
using namespace dfsim::test;

namespace {

struct Broken {
    std::string identity;  // a substring of the message
    std::function<void(LayerResult&)> edit;
    bool counts = true;  // the counts are broken: the energy is recomputed from them, as a counting bug would
};

// The message of the InternalError check_result_identities throws ("" if none).
std::string violation(const LayerResult& r, const ArchParams& a, const EnergyTable& t, bool simulated) {
    try {
        check_result_identities(r, a, t, simulated);
    } catch (const InternalError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST(SelfCheck, ARealResultPassesAndEveryBrokenIdentityThrows) {
    Layer l = conv("L", 8, 10, 10, 6, 3, 3, 1, 1);
    l.ifmap_data.zero_fraction = 0.3;  // gated slots, so that the filter identity is not trivially MACs
    const ArchParams a = eyeriss();
    const EnergyTable t = table45();
    RunOptions opt;
    const LayerResult good = simulate_layer(l, a, t, opt);
    ASSERT_GT(good.counts.gated_macs, 0u);
    EXPECT_EQ(violation(good, a, t, true), "");
    const std::vector<Broken> cases = {
        {"sums to the total", [](LayerResult& r) { r.energy.alu = std::nan(""); }, false},
        {"sums to the total", [](LayerResult& r) { r.energy.by_level_type[2][1] = INFINITY; }, false},
        {"every energy entry is >= 0", [](LayerResult& r) { r.energy.by_level_type[0][1] = -1; }, false},
        {"the energy is the counts times the table", [](LayerResult& r) { r.energy.by_level_type[1][0] *= 1.01; },
         false},
        {"the energy is the counts times the table", [](LayerResult& r) { r.energy.alu += 1; }, false},
        {"every MAC slot of the shape is counted", [](LayerResult& r) { r.counts.macs += 1; }},
        {"gated MACs are among the MACs", [](LayerResult& r) { r.shape.N = 0, r.counts.macs = 0; }},
        {"skipped MACs are among the gated", [](LayerResult& r) { r.counts.skipped_macs = r.counts.gated_macs + 1; }},
        {"fit its capacity", [&](LayerResult& r) { r.glb_bytes_used = static_cast<uint64_t>(a.glb.size_bytes) + 1; }},
        {"reads its ifmap word from the RF",
         [](LayerResult& r) { r.counts.acc.at(Level::Rf, DataType::Ifmap).reads -= 1; }},
        {"reads its filter word from the RF",
         [](LayerResult& r) { r.counts.acc.at(Level::Rf, DataType::Filter).reads += 1; }},
    };
    for (const Broken& b : cases) {
        SCOPED_TRACE(b.identity);
        LayerResult r = good;
        b.edit(r);
        if (b.counts) r.energy = compute_energy(r.counts, t, r.widths, a, r.cycles);
        const std::string msg = violation(r, a, t, true);
        EXPECT_NE(msg.find("self-check of layer L failed"), std::string::npos) << msg;
        EXPECT_NE(msg.find(b.identity), std::string::npos) << msg;
    }
}

// The analytical model's counts are estimates: held to the energy, MAC and storage identities,
// not to the simulation's RF reads; a host layer has nothing to check.
TEST(SelfCheck, EstimatesAndHostLayers) {
    const Layer l = conv("L", 8, 10, 10, 6, 3, 3, 1, 1);
    const ArchParams a = eyeriss();
    const EnergyTable t = table45();
    RunOptions opt;
    opt.model = RunModel::Analytical;
    LayerResult est = estimate(prepare(l, a, t, opt));
    EXPECT_EQ(violation(est, a, t, false), "");
    est.counts.acc.at(Level::Rf, DataType::Ifmap).reads += 1;  // not an identity of an estimate...
    est.energy = compute_energy(est.counts, t, est.widths, a, est.cycles);
    EXPECT_EQ(violation(est, a, t, false), "");
    est.counts.macs += 1;  // ...but every MAC still is
    est.energy = compute_energy(est.counts, t, est.widths, a, est.cycles);
    EXPECT_NE(violation(est, a, t, false).find("every MAC slot"), std::string::npos);
    LayerResult host;
    host.executed_on = ExecutedOn::Host;
    host.energy.alu = -1;
    EXPECT_EQ(violation(host, a, t, true), "");
}
