// Helpers shared by the tests: small architectures and layers built in code.
#pragma once
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "config/arch.h"
#include "base/error.h"
#include "config/energy_table.h"
#include "workload/layer.h"
#include "base/types.h"

namespace dfsim {
// The strong enums print by name (their to_string), in gtest's failure messages too.
template <typename E>
requires std::is_enum_v<E> && requires(E e) { to_string(e); }
std::ostream& operator<<(std::ostream& os, E e) { return os << to_string(e); }
}  // namespace dfsim

namespace dfsim::test {

// The message of the ConfigError f throws ("" if none).
inline std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

inline std::string src(const std::string& rel) { return std::string(DFSIM_SOURCE_DIR) + "/" + rel; }

// The layers of a network that run on the accelerator (conv, fc), in order: the pool and add
// layers are host work and are never simulated.
inline std::vector<Layer> accelerator_layers(const Network& net) {
    std::vector<Layer> v;
    for (const Layer& l : net.layers)
        if (!l.on_host()) v.push_back(l);
    return v;
}

inline ArchParams eyeriss() { return load_arch(src("configs/arch/eyeriss.yaml")); }
// The 45 nm table with fixed per-access costs and no static energy (configs/energy/45nm-fixed.yaml):
// what hand counts of energy multiply by. The default table (size-aware, with leakage and clock) is
// table45_sized().
inline EnergyTable table45() { return load_energy_table(src("configs/energy/45nm-fixed.yaml")); }
inline EnergyTable table45_sized() { return load_energy_table(src("configs/energy/45nm.yaml")); }

// A small array so that folding and replication happen on small layers.
inline ArchParams small_arch(int rows = 4, int cols = 5, double glb_kb = 16) {
    ArchParams a = eyeriss();
    a.name = "small";
    a.rows = rows;
    a.cols = cols;
    a.glb.size_bytes = static_cast<int64_t>(glb_kb * 1024);
    return a;
}

inline Layer conv(const std::string& name, int C, int H, int W, int M, int R, int S, int U = 1, int P = 0, int G = 1,
                  int N = 1) {
    Layer l;
    l.name = name;
    l.shape = LayerShape{N, C, H, W, M, R, S, U, P, G};
    l.ifmap_data.seed = 101;
    l.filter_data.seed = 202;
    l.filter_data.distribution = "normal";
    return l;
}

// Every counter of a simulation equals the analytical model's.
inline void expect_counts_equal(const ActionCounts& sim, const ActionCounts& model, const std::string& what) {
    for (Level lv : kLevels)
        for (DataType d : kDataTypes) {
            EXPECT_EQ(sim.acc.at(lv, d).reads, model.acc.at(lv, d).reads)
                << what << ": " << to_string(lv) << " " << to_string(d) << " reads";
            EXPECT_EQ(sim.acc.at(lv, d).writes, model.acc.at(lv, d).writes)
                << what << ": " << to_string(lv) << " " << to_string(d) << " writes";
        }
    EXPECT_EQ(sim.macs, model.macs) << what;
    EXPECT_EQ(sim.gated_macs, model.gated_macs) << what;
    EXPECT_EQ(sim.psum_adds, model.psum_adds) << what;
    EXPECT_EQ(sim.glb_output_writes, model.glb_output_writes) << what;
    EXPECT_EQ(sim.glb_output_reads, model.glb_output_reads) << what;
    EXPECT_EQ(sim.requant_ops, model.requant_ops) << what;
    EXPECT_EQ(sim.opreg_ifmap_writes, model.opreg_ifmap_writes) << what;
    EXPECT_EQ(sim.opreg_filter_writes, model.opreg_filter_writes) << what;
}

}  // namespace dfsim::test
