// dfsim run --trace: the VCD waveform, read back by a small parser of its own (not the writer's
// code), must declare the signals, keep its time stamps in order and inside the run, and show
// activity that agrees with the run's counts: a PE issues at most one MAC (or add) per cycle,
// the DRAM channel is busy exactly the cycles the run reports, the buses never carry more
// than their width.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "dataflows/dataflow.h"
#include "sim/simulator.h"
#include "sim/vcd_trace.h"
#include "tests/cli_fixture.h"
#include "tests/test_util.h"

using namespace dfsim;
using namespace dfsim::test;
namespace fs = std::filesystem;

namespace {

// A VCD file: declarations by hierarchical name, and each signal's changes in time order.
struct Vcd {
    double unit_ps = 0;  // the $timescale in ps
    std::map<std::string, std::string> id;  // "pe_0_1.busy" -> identifier
    std::map<std::string, int> width;  // by identifier
    std::map<std::string, std::vector<std::pair<uint64_t, uint64_t>>> changes;  // by identifier: (time, value)
    std::vector<uint64_t> stamps;  // every #time, in file order
    bool has(const std::string& name) const { return id.count(name) > 0; }
    const std::vector<std::pair<uint64_t, uint64_t>>& of(const std::string& name) const {
        return changes.at(id.at(name));
    }
};

Vcd parse_vcd(const std::string& text) {
    Vcd v;
    std::istringstream in(text);
    std::string tok;
    std::vector<std::string> scopes;
    auto until_end = [&] {
        std::vector<std::string> t;
        while (in >> tok && tok != "$end") t.push_back(tok);
        return t;
    };
    // declarations
    while (in >> tok && tok != "$enddefinitions") {
        if (tok == "$timescale") {
            const auto t = until_end();
            std::string s;
            for (const auto& x : t) s += x;  // "1ns", "100ps", ...
            const size_t k = s.find_first_not_of("0123456789");
            const double n = std::stod(s.substr(0, k));
            const std::string u = s.substr(k);
            const std::map<std::string, double> ps = {{"fs", 1e-3}, {"ps", 1},   {"ns", 1e3},
                                                      {"us", 1e6},  {"ms", 1e9}, {"s", 1e12}};
            v.unit_ps = n * ps.at(u);
        } else if (tok == "$scope") {
            const auto t = until_end();
            scopes.push_back(t.at(1));
        } else if (tok == "$upscope") {
            until_end();
            scopes.pop_back();
        } else if (tok == "$var") {
            const auto t = until_end();  // type width id name [range]
            std::string name;
            for (size_t i = 1; i < scopes.size(); ++i) name += scopes[i] + ".";  // below the top scope
            name += t.at(3);
            v.id[name] = t.at(2);
            v.width[t.at(2)] = std::stoi(t.at(1));
        } else {
            until_end();  // $date, $version, $comment
        }
    }
    until_end();
    // value changes
    uint64_t now = 0;
    while (in >> tok) {
        if (tok[0] == '#') {
            now = std::stoull(tok.substr(1));
            v.stamps.push_back(now);
        } else if (tok == "$comment") {
            until_end();
        } else if (tok[0] == '$') {
            // $dumpvars, $end
        } else if (tok[0] == 'b') {
            std::string idt;
            in >> idt;
            v.changes[idt].emplace_back(now, std::stoull(tok.substr(1), nullptr, 2));
        } else {
            v.changes[tok.substr(1)].emplace_back(now, tok[0] == '1' ? 1u : 0u);
        }
    }
    return v;
}

// Total time (in VCD units, up to `end`) during which the signal is non-zero.
uint64_t time_nonzero(const std::vector<std::pair<uint64_t, uint64_t>>& ch, uint64_t end) {
    uint64_t sum = 0;
    for (size_t i = 0; i < ch.size(); ++i)
        if (ch[i].second != 0) sum += (i + 1 < ch.size() ? ch[i + 1].first : end) - ch[i].first;
    return sum;
}

uint64_t value_at(const std::vector<std::pair<uint64_t, uint64_t>>& ch, uint64_t t) {
    uint64_t v = 0;
    for (const auto& [when, val] : ch) {
        if (when > t) break;
        v = val;
    }
    return v;
}

struct Traced {
    LayerResult r;
    hw::Program prog;
    Vcd vcd;
    uint64_t upc = 0;  // VCD units per clock cycle
    size_t bytes = 0;  // file size
};

Traced run_traced(const Layer& l, const ArchParams& a, const std::string& dataflow, const fs::path& file) {
    Traced t;
    {
        VcdTrace trace(file.string());
        RunOptions opt;
        opt.dataflow = dataflow;
        opt.trace = &trace;
        t.r = simulate_layer(l, a, table45(), opt);
        trace.commit();
    }
    // the program the run executed, rebuilt as simulate_layer builds it
    const Dataflow& df = find_dataflow(dataflow);
    const ArchParams ad = a.for_dataflow(dataflow);
    const Layer ls = stored_layer(l, ad.word_bits);
    t.prog = df.build_program(ls, ad, *df.choose_mapping(ls, ad, table45(), Objective::Energy));
    std::ifstream in(file);
    std::stringstream ss;
    ss << in.rdbuf();
    t.bytes = ss.str().size();
    t.vcd = parse_vcd(ss.str());
    const double period_ps = 1e6 / a.clock_mhz;
    const double upc = period_ps / t.vcd.unit_ps;
    EXPECT_EQ(upc, std::round(upc)) << "the timescale must divide the clock period";
    t.upc = static_cast<uint64_t>(upc);
    return t;
}

// Everything the waveform of one layer must show.
void check_waveform(const Traced& t, const Layer& l, const ArchParams& a, const std::string& what) {
    SCOPED_TRACE(what);
    const Vcd& v = t.vcd;
    // declared: the fixed signals, and two per PE of the configured array, no more
    for (const char* s :
         {"noc.ifmap_bus", "noc.filter_bus", "noc.psum_in_bus", "noc.out_bus", "glb.port", "dram.channel",
          "dram.transfer", "array.pass", "ctrl.ops_started", "ctrl.ops_done", "ctrl.layer"})
        EXPECT_TRUE(v.has(s)) << s;
    int pe_signals = 0;
    for (const auto& [name, id] : v.id) pe_signals += name.rfind("pe_", 0) == 0;
    EXPECT_EQ(pe_signals, 2 * a.rows * a.cols);
    for (int r = 0; r < a.rows; ++r)
        for (int c = 0; c < a.cols; ++c) {
            const std::string pe = "pe_" + std::to_string(r) + "_" + std::to_string(c);
            ASSERT_TRUE(v.has(pe + ".busy") && v.has(pe + ".gated")) << pe;
            EXPECT_EQ(v.width.at(v.id.at(pe + ".busy")), 1);
        }
    // time stamps: increasing, on clock edges, the last one inside the run
    ASSERT_FALSE(v.stamps.empty());
    for (size_t i = 1; i < v.stamps.size(); ++i) ASSERT_LT(v.stamps[i - 1], v.stamps[i]) << i;
    for (uint64_t s : v.stamps) ASSERT_EQ(s % t.upc, 0u) << s;
    const uint64_t end = t.r.cycles * t.upc;
    EXPECT_GT(v.stamps.back(), 0u);
    EXPECT_LE(v.stamps.back(), end);
    // PEs: one MAC unit each, issuing a MAC (or a psum add) per cycle at most, so the busy
    // cycles cover every MAC not skipped and exceed them by the adds at most
    uint64_t busy = 0;
    int pes_busy = 0;
    bool gated_seen = false;
    for (int r = 0; r < a.rows; ++r)
        for (int c = 0; c < a.cols; ++c) {
            const std::string pe = "pe_" + std::to_string(r) + "_" + std::to_string(c);
            const uint64_t b = time_nonzero(v.of(pe + ".busy"), end) / t.upc;
            busy += b;
            pes_busy += b > 0;
            // gated MACs only while busy
            for (const auto& [when, g] : v.of(pe + ".gated"))
                if (g) {
                    gated_seen = true;
                    ASSERT_EQ(value_at(v.of(pe + ".busy"), when), 1u) << pe << " at " << when;
                }
        }
    EXPECT_GE(busy, t.r.counts.macs - t.r.counts.skipped_macs);
    EXPECT_LE(busy, t.r.counts.macs + t.r.counts.psum_adds);
    EXPECT_GT(pes_busy, 1);
    EXPECT_LE(pes_busy, a.rows * a.cols);
    EXPECT_EQ(gated_seen, t.r.counts.gated_macs > 0);
    // DRAM: the channel is busy exactly the run's DRAM cycles; the first transfer is the
    // program's first load and takes at least ceil(bytes / bandwidth) cycles from cycle 0
    EXPECT_EQ(time_nonzero(v.of("dram.channel"), end) / t.upc, t.r.dram_busy_cycles);
    const hw::Load* first = t.prog.ops.at(0).as<hw::Load>();
    ASSERT_NE(first, nullptr);
    const int bits = first->tensor == hw::DramTensor::Filter ? l.filter.bits : l.ifmap.bits;
    const uint64_t bytes = (first->box.words() * static_cast<uint64_t>(bits) + 7) / 8;
    const auto need = static_cast<uint64_t>(std::ceil(static_cast<double>(bytes) / a.dram.bytes_per_cycle));
    const auto& ch = v.of("dram.channel");
    ASSERT_GE(ch.size(), 2u);
    EXPECT_EQ(ch[0], std::make_pair(uint64_t{0}, uint64_t{1}));
    EXPECT_EQ(ch[1].second, 0u);
    EXPECT_GE(ch[1].first / t.upc, need);
    EXPECT_EQ(value_at(v.of("dram.transfer"), 0), 1u);  // op 0, counted from 1
    // passes and operations: every one started and finished, the last pass numbered
    uint64_t passes = 0, max_pass = 0;
    for (const hw::Op& op : t.prog.ops) passes += op.on_array();
    for (const auto& [when, p] : v.of("array.pass")) max_pass = std::max(max_pass, p);
    EXPECT_EQ(max_pass, passes);
    EXPECT_EQ(value_at(v.of("array.pass"), end), 0u);
    EXPECT_EQ(value_at(v.of("ctrl.ops_started"), end), t.prog.ops.size());
    EXPECT_EQ(value_at(v.of("ctrl.ops_done"), end), t.prog.ops.size());
    EXPECT_EQ(value_at(v.of("ctrl.layer"), 0), 1u);
    // buses and the GLB port: active, and never over their width
    const std::pair<const char*, int64_t> caps[] = {{"noc.ifmap_bus", a.noc.ifmap_bus_bits},
                                                    {"noc.filter_bus", a.noc.filter_bus_bits},
                                                    {"noc.psum_in_bus", a.noc.psum_in_bus_bits},
                                                    {"noc.out_bus", a.noc.psum_out_bus_bits},
                                                    {"glb.port", a.glb.bits_per_cycle()}};
    for (const auto& [name, cap] : caps)
        for (const auto& [when, bits_now] : v.of(name))
            ASSERT_LE(bits_now, static_cast<uint64_t>(cap)) << name << " at " << when;
    EXPECT_GT(time_nonzero(v.of("noc.ifmap_bus"), end), 0u);
    EXPECT_GT(time_nonzero(v.of("noc.out_bus"), end), 0u);
    EXPECT_GT(time_nonzero(v.of("glb.port"), end), 0u);
    EXPECT_EQ(value_at(v.of("glb.port"), end), 0u);
}

// 3x3 conv, C = M = 4, 8x8 with padding 1 (so there are gated MACs), on a 4x5 array
Layer test_layer() { return conv("T", 4, 8, 8, 4, 3, 3, 1, 1); }

class TraceFiles : public TempDirTest {};

}  // namespace

TEST_F(TraceFiles, RowStationaryWaveform) {
    const ArchParams a = small_arch();
    const Traced t = run_traced(test_layer(), a, "rs", dir / "rs.vcd");
    EXPECT_EQ(t.r.output_check, OutputCheck::BitExact);
    check_waveform(t, test_layer(), a, "rs");
    std::printf("rs: %llu cycles, %zu bytes of VCD\n", static_cast<unsigned long long>(t.r.cycles), t.bytes);
}

TEST_F(TraceFiles, GridDataflowsWaveform) {
    const ArchParams a = small_arch();
    for (const char* df : {"ws", "os-a", "os-b", "os-c", "nlr"}) {
        const Traced t = run_traced(test_layer(), a, df, dir / (std::string(df) + ".vcd"));
        EXPECT_EQ(t.r.output_check, OutputCheck::BitExact) << df;
        check_waveform(t, test_layer(), a, df);
    }
}

// Zero skipping: a skipped MAC takes no cycle, so each PE's busy intervals are shorter and still
// follow one another (the grid dataflows traced full windows and groups, out of time order).
TEST_F(TraceFiles, ZeroSkippingWaveform) {
    ArchParams a = small_arch();
    a.pe.gate_ifmap_zeros = a.pe.gate_weight_zeros = a.pe.zero_skipping = true;
    Layer l = test_layer();
    l.ifmap_data.zero_fraction = 0.5;
    l.filter_data.zero_fraction = 0.5;
    for (const char* df : {"ws", "os-a", "os-b", "os-c", "nlr", "rs"}) {
        const Traced t = run_traced(l, a, df, dir / (std::string(df) + "-skip.vcd"));
        EXPECT_EQ(t.r.output_check, OutputCheck::BitExact) << df;
        EXPECT_EQ(t.r.counts.skipped_macs > 0, std::string(df) != "nlr") << df;  // nlr does not skip
        check_waveform(t, l, a, std::string(df) + " skipping");
    }
}

// Two layers: one file, the second layer's changes after the first's cycles.
TEST_F(TraceFiles, LayersFollowOneAnother) {
    const ArchParams a = small_arch();
    Network net;
    net.name = "two";
    net.layers = {test_layer(), conv("U", 4, 6, 6, 3, 3, 3, 2, 0)};
    const fs::path file = dir / "two.vcd";
    NetworkResult res;
    {
        VcdTrace trace(file.string());
        RunOptions opt;
        opt.trace = &trace;
        res = simulate_network(net, a, table45(), opt);
        trace.commit();
    }
    const Vcd v = parse_vcd(slurp(file));
    const uint64_t upc = static_cast<uint64_t>(std::llround(1e6 / a.clock_mhz / v.unit_ps));
    for (size_t i = 1; i < v.stamps.size(); ++i) ASSERT_LT(v.stamps[i - 1], v.stamps[i]);
    const uint64_t first = res.layers.at(0).cycles * upc, total = res.total().cycles * upc;
    EXPECT_LE(v.stamps.back(), total);
    EXPECT_GT(v.stamps.back(), first);
    const auto& layer = v.of("ctrl.layer");
    ASSERT_EQ(layer.size(), 2u);
    EXPECT_EQ(layer[1], std::make_pair(first, uint64_t{2}));
    // the second layer's first load starts as it starts
    EXPECT_EQ(value_at(v.of("dram.channel"), first), 1u);
    EXPECT_EQ(time_nonzero(v.of("dram.channel"), total) / upc, res.total().dram_busy_cycles);
    // no temporary files next to it
    for (const auto& e : fs::directory_iterator(dir)) EXPECT_EQ(e.path().filename(), "two.vcd");
}

// An error before the commit leaves neither the file nor a temporary one.
TEST_F(TraceFiles, NothingWrittenWithoutCommit) {
    {
        VcdTrace trace((dir / "x.vcd").string());
        RunOptions opt;
        opt.dataflow = "rs";
        opt.trace = &trace;
        simulate_layer(test_layer(), small_arch(), table45(), opt);
    }
    EXPECT_TRUE(fs::is_empty(dir));
}

TEST_F(TraceFiles, CommandLine) {
    write("tiny.yaml", "name: tiny\nlayers:\n  - {name: T, C: 4, H: 8, W: 8, M: 4, R: 3, S: 3, padding: 1}\n");
    const std::string out = (dir / "t.vcd").string();
    CmdResult r = dfsim("run --workload " + (dir / "tiny.yaml").string() + " --dataflow os-b --trace " + out);
    ASSERT_EQ(r.code, 0) << r.err;
    const std::string vcd = slurp(out);
    EXPECT_EQ(vcd.rfind("$date", 0), 0u);
    EXPECT_NE(vcd.find("$timescale"), std::string::npos);
    EXPECT_NE(vcd.find("$enddefinitions"), std::string::npos);
    EXPECT_NE(vcd.find("pe_11_13"), std::string::npos);  // the whole 12x14 array
    EXPECT_EQ(r.out.find("Info"), std::string::npos) << r.out;  // SystemC's messages stay quiet
    // full AlexNet (665 M MACs) is refused before anything runs, and nothing is written
    const std::string big = (dir / "big.vcd").string();
    r = dfsim("run --trace " + big);
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("--trace-max-macs"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("665784864"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(big));
    // only host layers: nothing to trace
    r = dfsim("run --layers pool --trace " + big);
    EXPECT_EQ(r.code, 2);
    EXPECT_FALSE(fs::exists(big));
    // a path that cannot be written (under a regular file): an I/O error (exit code 4) before the run
    const std::string unwritable = (dir / "tiny.yaml" / "t.vcd").string();
    r = dfsim("run --workload " + (dir / "tiny.yaml").string() + " --trace " + unwritable);
    EXPECT_EQ(r.code, 4);
    EXPECT_EQ(r.err.rfind("dfsim: error: cannot write " + unwritable + ": ", 0), 0u) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
    for (const auto& e : fs::directory_iterator(dir))
        EXPECT_TRUE(e.path().filename().string().find(".tmp.") == std::string::npos &&
                    e.path().filename().string().find(".seg.") == std::string::npos)
            << e.path();
}
