#include "study/bench.h"

#include <chrono>
#include <cstdio>

#include "sim/reference.h"
#include "sim/simulator.h"

namespace dfsim {

namespace {
double since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

BenchResult run_bench(const Network& net, const ArchParams& a, const EnergyTable& t,
                      const std::string& dataflow, std::ostream& out) {
    const Dataflow& df = find_dataflow(dataflow);
    const ArchParams ad = a.for_dataflow(dataflow);  // the dataflow's storage, as dfsim run uses
    BenchResult b;
    char buf[256];
    std::snprintf(buf, sizeof buf, "%-8s %13s %11s %9s %9s %9s %12s %12s\n", "layer", "MACs", "cycles", "map s",
                  "sim s", "ref s", "sim MAC/s", "sim cyc/s");
    out << buf;
    for (const Layer& layer : net.layers) {
        if (layer.on_host()) {  // pool, add: host work, nothing to simulate
            std::snprintf(buf, sizeof buf, "%-8s host work (%s), not simulated\n", layer.name.c_str(), std::string(to_string(layer.type)).c_str());
            out << buf;
            continue;
        }
        LayerData data = make_layer_data(layer);
        const Layer l = stored_layer(layer, ad.word_bits);
        auto t0 = std::chrono::steady_clock::now();
        auto m = df.choose_mapping(l, ad, t, Objective::Energy);
        double map_s = since(t0);
        t0 = std::chrono::steady_clock::now();
        LayerResult r = simulate_mapped(l, ad, t, df, *m, data, /*check_output=*/false);
        double sim_s = since(t0);
        t0 = std::chrono::steady_clock::now();
        Tensor4 ref = reference_conv(l, data.ifmap, data.filter);
        double ref_s = since(t0);
        volatile int32_t sink = ref.data.empty() ? 0 : ref.data[0];
        (void)sink;
        b.macs += r.counts.macs;
        b.cycles += r.cycles;
        b.map_seconds += map_s;
        b.sim_seconds += sim_s;
        b.ref_seconds += ref_s;
        std::snprintf(buf, sizeof buf, "%-8s %13llu %11llu %9.3f %9.3f %9.3f %12.3g %12.3g\n", l.name.c_str(),
                      static_cast<unsigned long long>(r.counts.macs), static_cast<unsigned long long>(r.cycles),
                      map_s, sim_s, ref_s, static_cast<double>(r.counts.macs) / sim_s,
                      static_cast<double>(r.cycles) / sim_s);
        out << buf;
    }
    std::snprintf(buf, sizeof buf,
                  "total: %llu MACs, %llu cycles; mapper %.3f s, simulation %.3f s, reference conv %.3f s\n"
                  "simulated MACs per second: %.3g; simulated cycles per second: %.3g; "
                  "simulation / reference time: %.2f\n",
                  static_cast<unsigned long long>(b.macs), static_cast<unsigned long long>(b.cycles), b.map_seconds,
                  b.sim_seconds, b.ref_seconds, static_cast<double>(b.macs) / b.sim_seconds,
                  static_cast<double>(b.cycles) / b.sim_seconds, b.sim_seconds / b.ref_seconds);
    out << buf;
    return b;
}

}  // namespace dfsim
