// Fuzzes pinned mappings (dfsim run --mapping): sim/simulator.h load_pinned_mappings against the
// network configs/mappings/ are written for (AlexNet CONV1-5 on the Eyeriss chip), then the
// analytical model of the pinned layers (which parses each layer's mapping, as a run does).
#include "config/arch.h"
#include "config/energy_table.h"
#include "fuzz/harness.h"
#include "sim/simulator.h"

extern "C" int sc_main(int, char**) { return 0; }  // SystemC's library (linked by sim) calls it; never run here

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace dfsim;
    static const Network net = load_network(DFSIM_SOURCE_DIR "/workloads/alexnet_eyeriss_chip.yaml");
    static const ArchParams arch = load_arch(DFSIM_SOURCE_DIR "/configs/arch/eyeriss-chip.yaml");
    static const EnergyTable table = load_energy_table(DFSIM_SOURCE_DIR "/configs/energy/45nm.yaml");
    return fuzz::run(data, size, ".yaml", [](const std::string& p) {
        const PinnedMappings pinned = load_pinned_mappings(p, net);
        std::string names;
        for (const auto& [layer, map] : pinned.layers) names += (names.empty() ? "" : ",") + layer;
        if (names.empty()) return;
        RunOptions opt;
        opt.dataflow = pinned.dataflow;
        opt.pinned = &pinned;
        estimate_network(select_layers(net, names), arch, table, opt);
    });
}
