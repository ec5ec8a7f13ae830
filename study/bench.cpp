#include "study/bench.h"

#include <sys/resource.h>

#include <chrono>
#include <cstdio>

#include "base/fmt.h"
#include "report/figures.h"
#include "report/report.h"
#include "sim/reference.h"
#include "sim/simulator.h"

namespace dfsim {

namespace {
double since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

namespace {

// One accelerator layer: prepared as dfsim run prepares it (data, no check), then timed.
BenchResult bench_layer(const Layer& layer, const ArchParams& a, const EnergyTable& t, const RunOptions& opt,
                        std::ostream& out) {
    const PreparedLayer p = prepare(layer, a, t, opt);
    BenchResult b;
    b.map_seconds = p.map_seconds;
    b.mapper = p.map_stats;
    auto t0 = std::chrono::steady_clock::now();
    const LayerResult r = simulate(p);
    b.sim_seconds = since(t0);
    t0 = std::chrono::steady_clock::now();
    const Tensor4 ref = reference_conv(p.layer, p.data.ifmap, p.data.filter);
    b.ref_seconds = since(t0);
    volatile int32_t sink = ref.data.empty() ? 0 : ref.data[0];
    (void)sink;
    b.macs = r.counts.macs;
    b.cycles = r.cycles;
    b.passes = r.activity.passes;
    b.passes_reused = r.pass_schedules_reused;
    char buf[256];
    // rates with an SI prefix, three digits ("752 M"), never in exponent notation
    std::snprintf(buf, sizeof buf, "%-8s %13llu %11llu %9.3f %9.3f %9.3f %12s %12s\n", p.layer.name.c_str(),
                  static_cast<unsigned long long>(r.counts.macs), static_cast<unsigned long long>(r.cycles),
                  b.map_seconds, b.sim_seconds, b.ref_seconds,
                  fmt_si(static_cast<double>(r.counts.macs) / b.sim_seconds, "").c_str(),
                  fmt_si(static_cast<double>(r.cycles) / b.sim_seconds, "").c_str());
    out << buf;
    return b;
}

}  // namespace

// The process's peak resident memory and page faults so far, start-up included (the faults
// judge tools/dfsim/main.cpp's heap setup: on a virtual machine each costs microseconds).
struct ProcessUsage {
    double peak_mib = 0;
    long page_faults = 0;
};
static ProcessUsage process_usage() {
    struct rusage ru {};
    getrusage(RUSAGE_SELF, &ru);
    return {static_cast<double>(ru.ru_maxrss) / 1024.0, ru.ru_minflt + ru.ru_majflt};  // Linux: kilobytes
}

BenchResult run_bench(const Network& net, const ArchParams& a, const EnergyTable& t, const std::string& dataflow,
                      std::ostream& out, Timing timing, const Provenance* prov) {
    RunOptions opt;
    opt.dataflow = dataflow;
    opt.timing = timing;
    opt.objective = Objective::Energy;
    opt.check_output = false;  // the reference is timed on its own
    MappingCache cache;  // as dfsim run: identical layers are mapped once
    opt.mapping_cache = &cache;
    BenchResult b;
    out << "dfsim bench: " << net.name << " on " << a.name << ", dataflow " << dataflow << ", timing "
        << timing_label(RunModel::Simulation, timing) << "\n";
    if (prov) out << provenance_line(*prov);
    char buf[512];
    std::snprintf(buf, sizeof buf, "%-8s %13s %11s %9s %9s %9s %12s %12s\n", "layer", "MACs", "cycles", "map s",
                  "sim s", "ref s", "sim MAC/s", "sim cyc/s");
    out << buf;
    for (const Layer& layer : net.layers) {
        if (layer.on_host()) {  // pool, add: host work, nothing to simulate
            std::snprintf(buf, sizeof buf, "%-8s host work (%s), not simulated\n", layer.name.c_str(),
                          std::string(to_string(layer.type)).c_str());
            out << buf;
            continue;
        }
        const BenchResult l = bench_layer(layer, a, t, opt, out);
        b.macs += l.macs;
        b.cycles += l.cycles;
        b.passes += l.passes;
        b.passes_reused += l.passes_reused;
        b.map_seconds += l.map_seconds;
        b.mapper += l.mapper;
        b.sim_seconds += l.sim_seconds;
        b.ref_seconds += l.ref_seconds;
    }
    const ProcessUsage usage = process_usage();
    std::snprintf(buf, sizeof buf,
                  "total: %llu MACs, %llu cycles; mapper %.3f s, simulation %.3f s, reference conv %.3f s\n"
                  "simulated MACs per second: %s; simulated cycles per second: %s;\n"
                  "simulation / reference time: %.2f; timing model: %s; peak memory: %.0f MiB; page faults: %ld\n",
                  static_cast<unsigned long long>(b.macs), static_cast<unsigned long long>(b.cycles), b.map_seconds,
                  b.sim_seconds, b.ref_seconds, fmt_si(static_cast<double>(b.macs) / b.sim_seconds, "").c_str(),
                  fmt_si(static_cast<double>(b.cycles) / b.sim_seconds, "").c_str(), b.sim_seconds / b.ref_seconds,
                  std::string(to_string(timing)).c_str(), usage.peak_mib, usage.page_faults);
    out << buf;
    if (timing == Timing::Pass) {
        std::snprintf(buf, sizeof buf,
                      "array passes: %llu, %llu of them timed by an earlier pass's schedule (same geometry, "
                      "hw/pass_times.h)\n",
                      static_cast<unsigned long long>(b.passes), static_cast<unsigned long long>(b.passes_reused));
        out << buf;
    }
    out << mapper_line(b.mapper) << "\n";
    return b;
}

}  // namespace dfsim
