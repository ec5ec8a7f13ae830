// dfsim sweep: the cartesian product in a fixed order, one row per point whatever the number of
// worker processes, resumption after an interruption, any architecture field by --set, and the
// analytical model beside the simulation.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <set>
#include <thread>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/error.h"
#include "report/sweep_plots.h"
#include "sim/simulator.h"
#include "study/sweep.h"
#include "tests/cli_fixture.h"
#include "tests/test_util.h"

using namespace dfsim;
using namespace dfsim::test;
namespace fs = std::filesystem;

namespace {

class Sweep : public TempDirTest {
protected:
    void SetUp() override {
        TempDirTest::SetUp();
        std::ofstream(dir / "net.yaml") << R"(name: small
layers:
  - {name: A, C: 3, H: 15, W: 15, M: 8, R: 3, S: 3, padding: 1, requant: {multiplier: 1, shift: 8, relu: true}}
  - {name: B, C: 8, H: 15, W: 15, M: 6, R: 3, S: 3, stride: 2}
)";
        spec.arch_file = src("configs/arch/eyeriss.yaml");
        spec.workload_file = (dir / "net.yaml").string();
        spec.energy_file = src("configs/energy/45nm.yaml");
        spec.layers = "all";
        spec.dataflows = {"ws", "rs"};
        spec.axes = {parse_axis("--pe-array", "4x5,8x8"), parse_axis("--glb-kb", "16,64")};
    }
    SweepSpec spec;
};

}  // namespace

TEST_F(Sweep, ExpandsTheProductDataflowFirstLastAxisFastest) {
    spec.axes.push_back(parse_axis("--batch", "1,2,3"));
    const std::vector<SweepPoint> p = expand(spec);
    ASSERT_EQ(p.size(), 2u * 2 * 2 * 3);
    EXPECT_EQ(p[0].label(), "ws pe_array=4x5 glb.size_kb=16 batch=1");
    EXPECT_EQ(p[1].label(), "ws pe_array=4x5 glb.size_kb=16 batch=2");
    EXPECT_EQ(p[3].label(), "ws pe_array=4x5 glb.size_kb=64 batch=1");
    EXPECT_EQ(p[12].label(), "rs pe_array=4x5 glb.size_kb=16 batch=1");
    for (size_t i = 0; i < p.size(); ++i) EXPECT_EQ(p[i].index, static_cast<int>(i));
}

TEST_F(Sweep, BadAxesAndSettingsAreClearErrors) {
    auto err = [](const std::function<void()>& f) {
        try {
            f();
        } catch (const ConfigError& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    EXPECT_NE(err([] { parse_axis("--pe-array", "8x8,12"); }).find("expected ROWSxCOLS values such as 12x14, got '12'"),
              std::string::npos);
    EXPECT_NE(err([] { parse_axis("--set", "glb.banks"); }).find("expected key=v1,v2"), std::string::npos);
    EXPECT_NE(err([] { parse_axis("--batch", "1,,2"); }).find("empty value"), std::string::npos);
    // a swept value the architecture file would refuse is refused the same way, naming the field
    spec.axes = {parse_axis("--set", "glb.banks=4,0")};
    const std::vector<SweepPoint> p = expand(spec);
    EXPECT_NO_THROW(point_arch(spec, p[0]));
    const std::string e = err([&] { point_arch(spec, p[1]); });
    EXPECT_NE(e.find("field 'glb.banks': expected an integer in [1, 4096], got 0"), std::string::npos) << e;
    EXPECT_NE(e.find("with glb.banks=0"), std::string::npos) << e;
    // and the sweep refuses to start
    EXPECT_THROW(run_sweep(spec, (dir / "out").string(), 1), ConfigError);
}

// With one job the results are written from the rows the points just made, not read back from
// their files: byte for byte what the files give (collect_sweep rebuilds them from the files).
TEST_F(Sweep, ResultsOfPointsRunHereEqualThoseRebuiltFromTheirFiles) {
    const fs::path out = dir / "out";
    run_sweep(spec, out.string(), 1);
    const std::string json = slurp(out / "results.json"), csv = slurp(out / "results.csv");
    fs::remove(out / "results.json");
    fs::remove(out / "results.csv");
    EXPECT_TRUE(collect_sweep(spec, out.string()).missing.empty());
    EXPECT_EQ(slurp(out / "results.json"), json);
    EXPECT_EQ(slurp(out / "results.csv"), csv);
}

// The same point alone and inside sweeps run with one or two workers: identical numbers and files.
TEST_F(Sweep, JobsDoNotChangeResultsAndAPointAloneMatches) {
    const SweepSummary s1 = run_sweep(spec, (dir / "j1").string(), 1);
    const SweepSummary s2 = run_sweep(spec, (dir / "j2").string(), 2);
    EXPECT_EQ(s1.points, 8);
    EXPECT_EQ(s2.run, 8);
    EXPECT_EQ(slurp(dir / "j1" / "results.csv"), slurp(dir / "j2" / "results.csv"));
    // the same but for the mapper's host time (its statistics are the same: no point hits another's mapping)
    EXPECT_EQ(without_host_times(slurp(dir / "j1" / "results.json")),
              without_host_times(slurp(dir / "j2" / "results.json")));
    const nlohmann::json rows = nlohmann::json::parse(slurp(dir / "j2" / "results.json"))["rows"];
    ASSERT_EQ(rows.size(), 8u);
    const SweepPoint p = expand(spec)[5];
    EXPECT_EQ(without_host_times(run_point(spec, p).dump()), without_host_times(rows[5].dump()));
    EXPECT_GT(rows[5]["mapper"]["candidates"].get<uint64_t>(), 0u);  // searched, not from the cache
    EXPECT_GT(rows[5]["mapper"]["host_seconds"].get<double>(), 0.0);
    for (const auto& r : rows) {
        EXPECT_EQ(r["status"], "ok");
        EXPECT_EQ(r["output_check"], "bit-exact");
        // N*M*E*F*C*R*S: A 8*15*15*3*9 + B 6*7*7*8*9
        EXPECT_EQ(r["macs"].get<uint64_t>(), 8u * 15 * 15 * 3 * 9 + 6u * 7 * 7 * 8 * 9);
    }
    EXPECT_EQ(rows[1]["pes"], 20);  // ws 4x5, 64 KB
    EXPECT_EQ(rows[2]["pes"], 64);  // ws 8x8, 16 KB
    EXPECT_EQ(rows[0]["glb_kb"], 16.0);
}

// An interrupted sweep (some points missing, one cut short, a stray temporary file) finishes with
// exactly one row per point, rerunning only what is missing; a changed input reruns everything.
TEST_F(Sweep, RestartAfterInterruptionGivesOneRowPerPoint) {
    const std::string out = (dir / "out").string();
    run_sweep(spec, out, 2);
    const std::string before = slurp(dir / "out" / "results.csv");
    fs::remove(dir / "out" / "points" / "2.json");
    fs::remove(dir / "out" / "points" / "7.json");
    fs::resize_file(dir / "out" / "points" / "4.json", 10);
    std::ofstream(dir / "out" / "points" / "5.json.tmp.123") << "{";
    fs::remove(dir / "out" / "results.csv");
    const SweepSummary s = run_sweep(spec, out, 2);
    EXPECT_EQ(s.resumed, 5);
    EXPECT_EQ(s.run, 3);
    EXPECT_EQ(slurp(dir / "out" / "results.csv"), before);
    EXPECT_FALSE(fs::exists(dir / "out" / "points" / "5.json.tmp.123"));  // a killed writer's leftover
    spec.seed_offset = 3;  // other data: every point is stale
    EXPECT_EQ(run_sweep(spec, out, 2).run, 8);
}

// --model analytical: the mappers' model only. On data without zeros its energy equals the
// simulation's (counts are equal; the fixed table, whose energy does not depend on the cycles);
// its cycles are an estimate.
TEST_F(Sweep, AnalyticalModelBesideTheSimulation) {
    spec.energy_file = src("configs/energy/45nm-fixed.yaml");
    std::ofstream(dir / "dense.yaml") << "name: dense\nlayers:\n  - {name: A, C: 8, H: 12, W: 12, M: 16, R: 3, S: 3}\n";
    spec.workload_file = (dir / "dense.yaml").string();
    spec.axes = {parse_axis("--pe-array", "8x8")};
    run_sweep(spec, (dir / "sim").string(), 1);
    spec.analytical = true;
    run_sweep(spec, (dir / "ana").string(), 1);
    const auto sim = nlohmann::json::parse(slurp(dir / "sim" / "results.json"))["rows"];
    const auto ana = nlohmann::json::parse(slurp(dir / "ana" / "results.json"))["rows"];
    ASSERT_EQ(sim.size(), ana.size());
    for (size_t i = 0; i < sim.size(); ++i) {
        EXPECT_EQ(ana[i]["model"], "analytical");
        EXPECT_EQ(sim[i]["model"], "simulation");
        EXPECT_DOUBLE_EQ(ana[i]["energy"].get<double>(), sim[i]["energy"].get<double>());
        const double ratio = ana[i]["cycles"].get<double>() / sim[i]["cycles"].get<double>();
        EXPECT_GT(ratio, 0.6);
        EXPECT_LT(ratio, 1.4);
    }
}

// Without --jobs a sweep starts a worker per core it may run on (base/workers.h usable_cores):
// under `taskset -c 0` one, not one per core of the machine (std::thread::hardware_concurrency
// said 2 on the 2-core machine, and two workers then shared the one core).
TEST_F(Sweep, DefaultJobsAreTheCoresItMayRunOn) {
    const CmdResult r =
        dfsim("sweep --dataflows ws --pe-array 8x8,12x14 --layers CONV1 --model analytical --no-plots --out " +
                  (dir / "one").string(),
              "taskset -c 0");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.err.find("with 1 job\n"), std::string::npos) << r.err;
}

// Both models prepare layers the same way (sim/simulator.h prepare()): pool layers are host work
// in the analytical model too, never mapped or counted as MACs. LeNet-5 (README, "Host layers"):
// accelerator MACs 117600 + 240000 + 48000 + 10080 + 840 = 416520; host ops of the two 2x2 average
// pools 6 x 14 x 14 x 4 + 16 x 5 x 5 x 4 = 4704 + 1600 = 6304.
TEST_F(Sweep, AnalyticalModelCountsHostLayersAsTheSimulationDoes) {
    const Network net = select_layers(load_network(src("workloads/lenet5.yaml")), "all");
    for (const std::string df : {"ws", "rs"}) {
        SCOPED_TRACE(df);
        RunOptions opt;
        opt.dataflow = df;
        const NetworkResult sim = simulate_network(net, eyeriss(), table45(), opt);
        const NetworkResult ana = estimate_network(net, eyeriss(), table45(), opt);
        ASSERT_EQ(ana.layers.size(), sim.layers.size());
        for (size_t i = 0; i < sim.layers.size(); ++i) {
            const LayerResult &s = sim.layers[i], &e = ana.layers[i];
            SCOPED_TRACE(s.name);
            EXPECT_EQ(e.executed_on, s.executed_on);
            EXPECT_EQ(e.host_ops, s.host_ops);
            EXPECT_EQ(e.counts.macs, s.counts.macs);
            if (net.layers[i].on_host()) {
                EXPECT_EQ(e.executed_on, ExecutedOn::Host);
                EXPECT_EQ(e.counts.macs, 0u);
                EXPECT_EQ(e.cycles, 0u);
                EXPECT_EQ(e.energy.total(), 0.0);
            } else {
                EXPECT_EQ(e.mapping, s.mapping);  // the same mapper choice on the same prepared layer
                EXPECT_EQ(e.cycles, s.estimated_cycles);
            }
        }
        EXPECT_EQ(ana.total().counts.macs, 416520u);
        EXPECT_EQ(sim.total().counts.macs, 416520u);
        EXPECT_EQ(ana.total().host_ops, 6304u);
        EXPECT_EQ(sim.total().host_ops, 6304u);
    }
    // the rows of `dfsim sweep --layers all` in both models
    spec.workload_file = src("workloads/lenet5.yaml");
    spec.dataflows = {"rs"};
    spec.axes = {};
    run_sweep(spec, (dir / "sim").string(), 1);
    spec.analytical = true;
    run_sweep(spec, (dir / "ana").string(), 1);
    const auto sim = nlohmann::json::parse(slurp(dir / "sim" / "results.json"))["rows"];
    const auto ana = nlohmann::json::parse(slurp(dir / "ana" / "results.json"))["rows"];
    ASSERT_EQ(sim.size(), 1u);
    ASSERT_EQ(ana.size(), 1u);
    EXPECT_EQ(ana[0]["status"], "ok");
    EXPECT_EQ(ana[0]["macs"], 416520);
    EXPECT_EQ(sim[0]["macs"], 416520);
}

// The plots: PNG and SVG for energy, cycles and utilization against the PE count and the Pareto
// plot, from the rows; the Pareto front holds exactly the points no other beats in both.
TEST_F(Sweep, PlotsAndParetoFront) {
    if (std::system("gnuplot --version >/dev/null 2>&1") != 0) GTEST_SKIP() << "gnuplot is not installed";
    const std::string out = (dir / "out").string();
    run_sweep(spec, out, 2);
    const nlohmann::json results = nlohmann::json::parse(slurp(dir / "out" / "results.json"));
    const nlohmann::json& rows = results["rows"];
    write_sweep_plots(results, out);
    for (const char* base : {"energy_vs_pes", "cycles_vs_pes", "utilization_vs_pes", "pareto"}) {
        EXPECT_EQ(slurp(dir / "out" / (std::string(base) + ".png")).substr(0, 8), "\x89PNG\r\n\x1a\n") << base;
        EXPECT_NE(slurp(dir / "out" / (std::string(base) + ".svg")).find("<svg"), std::string::npos) << base;
        EXPECT_NE(slurp(dir / "out" / (std::string(base) + ".gp")).find("timing pass (pass-level model)\" font"),
                  std::string::npos)
            << base;  // the title's last line
    }
    // the front, recomputed here by brute force from the rows, with each point's label: its
    // dataflow, array and other setting, as the rows' settings give them
    struct Pt {
        double lat, e;
        std::string label;
    };
    std::vector<Pt> pts, front;
    for (const auto& r : rows)
        pts.push_back({r["latency_ms"].get<double>(), r["energy"].get<double>(),
                       r["dataflow"].get<std::string>() + " " + r["settings"]["pe_array"].get<std::string>() +
                           " glb.size_kb=" + r["settings"]["glb.size_kb"].get<std::string>()});
    for (const Pt& p : pts) {
        bool beaten = false;
        for (const Pt& q : pts) beaten = beaten || (q.lat <= p.lat && q.e < p.e) || (q.lat < p.lat && q.e <= p.e);
        if (!beaten) front.push_back(p);
    }
    std::sort(front.begin(), front.end(), [](const Pt& a, const Pt& b) { return a.lat < b.lat; });
    std::istringstream f(slurp(dir / "out" / "pareto.dat"));
    std::vector<Pt> written;
    for (std::string line; std::getline(f, line);) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream ls(line);
        Pt p;
        ls >> p.lat >> p.e;
        ls.get();  // the tab
        std::getline(ls, p.label);
        written.push_back(p);
    }
    ASSERT_EQ(written.size(), front.size());
    for (size_t i = 0; i < front.size(); ++i) {
        EXPECT_NEAR(written[i].lat, front[i].lat, 1e-6 * front[i].lat);
        EXPECT_NEAR(written[i].e, front[i].e, 1e-6 * front[i].e);
        EXPECT_EQ(written[i].label, front[i].label);  // every front point labelled with its settings
    }
    const std::string pareto = slurp(dir / "out" / "pareto.gp");
    EXPECT_NE(pareto.find("\"pareto.dat\" using 1:($2/"), std::string::npos);
    EXPECT_NE(pareto.find("):3 with labels "), std::string::npos) << pareto;  // the labels drawn
}

// The plots over the PE count are ticked exactly at the points' PE counts, each tick naming its
// array and its count; every title's second line names the network, layers, batch, base
// architecture, energy table and unit, and timing model.
TEST_F(Sweep, PlotTicksAndTitlesNameTheArraysAndTheContext) {
    if (std::system("gnuplot --version >/dev/null 2>&1") != 0) GTEST_SKIP() << "gnuplot is not installed";
    const std::string out = (dir / "out").string();
    run_sweep(spec, out, 2);
    write_sweep_plots(nlohmann::json::parse(slurp(dir / "out" / "results.json")), out);
    // 4x5 = 20 PEs, 8x8 = 64 PEs (the spec's arrays)
    for (const char* base : {"energy_vs_pes", "cycles_vs_pes", "utilization_vs_pes"}) {
        const std::string gp = slurp(dir / "out" / (std::string(base) + ".gp"));
        EXPECT_NE(gp.find("\nset xtics (\"4x5\\n20\" 20, \"8x8\\n64\" 64)\n"), std::string::npos) << gp;
        EXPECT_NE(gp.find("\nunset mxtics\n"), std::string::npos) << base;
    }
    // the network "small" of every layer ("all"), at eyeriss.yaml's batch 1, its own 12x14 array
    const std::string context =
        "small, layers all, batch 1, base eyeriss 12x14 PEs, energy 45nm-horowitz (pJ), timing pass (pass-level "
        "model)";
    for (const char* base : {"energy_vs_pes", "cycles_vs_pes", "utilization_vs_pes", "pareto", "energy_breakdown"}) {
        const std::string gp = slurp(dir / "out" / (std::string(base) + ".gp"));
        // the title line, its lines joined again (a long context is broken after a comma)
        const size_t at = gp.find("\nset title \"");
        ASSERT_NE(at, std::string::npos) << base;
        std::string title = gp.substr(at + 12, gp.find('\n', at + 1) - at - 12);
        for (size_t nl; (nl = title.find(",\\n")) != std::string::npos;) title.replace(nl, 3, ", ");
        EXPECT_NE(title.find("\\n" + context + "\" font"), std::string::npos) << base << "\n" << title;
        EXPECT_EQ(slurp(dir / "out" / (std::string(base) + ".png")).substr(0, 8), "\x89PNG\r\n\x1a\n") << base;
    }
}

// The energy breakdown: one bar per point, its segments (ALU, RF, NoC, GLB, DRAM per MAC) the
// row's and adding up to its energy per MAC; each bar ticked with its dataflow and array.
TEST_F(Sweep, EnergyBreakdownStacksEachPointsLevels) {
    if (std::system("gnuplot --version >/dev/null 2>&1") != 0) GTEST_SKIP() << "gnuplot is not installed";
    const std::string out = (dir / "out").string();
    run_sweep(spec, out, 2);
    const nlohmann::json results = nlohmann::json::parse(slurp(dir / "out" / "results.json"));
    write_sweep_plots(results, out);
    std::istringstream f(slurp(dir / "out" / "energy_breakdown.dat"));
    size_t n = 0;
    for (std::string line; std::getline(f, line);) {
        if (line.empty() || line[0] == '#') continue;
        std::vector<std::string> cells;
        std::istringstream ls(line);
        for (std::string c; std::getline(ls, c, '\t');) cells.push_back(c);
        ASSERT_EQ(cells.size(), 9u) << line;  // x, label, ALU, RF, NoC, GLB, DRAM, static, total
        const nlohmann::json& r = results["rows"][n];
        const nlohmann::json& by = r["energy_per_mac_by_level"];
        const double parts[] = {by["alu"], by["rf"], by["noc"], by["glb"], by["dram"], by["static"]};
        double sum = 0;
        for (int k = 0; k < 6; ++k) {
            EXPECT_NEAR(std::stod(cells[2 + static_cast<size_t>(k)]), parts[k], 1e-5 * parts[k] + 1e-12) << line;
            sum += std::stod(cells[2 + static_cast<size_t>(k)]);
        }
        EXPECT_NEAR(sum, std::stod(cells[8]), 1e-4 * std::stod(cells[8])) << line;
        EXPECT_NEAR(std::stod(cells[8]), r["energy_per_mac"].get<double>(), 1e-5 * std::stod(cells[8]));
        // ws then rs, a gap between them: x 0..3, then 5..8
        EXPECT_EQ(std::stod(cells[0]), static_cast<double>(n < 4 ? n : n + 1)) << line;
        ++n;
    }
    EXPECT_EQ(n, 8u);
    const std::string gp = slurp(dir / "out" / "energy_breakdown.gp");
    EXPECT_NE(gp.find("\"ws\\n4x5\\nglb.size_kb=16\" 0, "), std::string::npos) << gp;
    EXPECT_NE(gp.find("\"rs\\n8x8\\nglb.size_kb=64\" 8)"), std::string::npos) << gp;
    EXPECT_NE(gp.find("title \"NoC\""), std::string::npos);
}

// The unit of a plot's energies, by hand: the largest unit in which the largest value is at
// least 1; a normalized table's MAC-equivalents in thousands, millions, billions. Never 1e+09 pJ.
TEST(SweepPlots, EnergyUnitChosenFromTheData) {
    EXPECT_EQ(energy_scale(3.03e9, EnergyUnit::Pj).unit, "mJ");  // 3.03 mJ
    EXPECT_EQ(energy_scale(3.03e9, EnergyUnit::Pj).divisor, 1e9);
    EXPECT_EQ(energy_scale(999999999, EnergyUnit::Pj).unit, "uJ");  // 999.999999 uJ
    EXPECT_EQ(energy_scale(2.5e6, EnergyUnit::Pj).divisor, 1e6);
    EXPECT_EQ(energy_scale(1500, EnergyUnit::Pj).unit, "nJ");
    EXPECT_EQ(energy_scale(999, EnergyUnit::Pj).unit, "pJ");
    EXPECT_EQ(energy_scale(999, EnergyUnit::Pj).divisor, 1);
    EXPECT_EQ(energy_scale(4.2e8, EnergyUnit::Normalized).unit, "million MAC-equivalents");
    EXPECT_EQ(energy_scale(4.2e8, EnergyUnit::Normalized).divisor, 1e6);
    EXPECT_EQ(energy_scale(7e9, EnergyUnit::Normalized).unit, "billion MAC-equivalents");
    EXPECT_EQ(energy_scale(12, EnergyUnit::Normalized).unit, "MAC-equivalents");
}

// The sweep's progress line off a terminal, by hand: 7 of 16 done, 3 of them resumed, so 4 ran in
// 8 s: 2 s a point, 9 left, ETA 18 s.
TEST(SweepProgressLine, NamesThePointKOfNAndTheEta) {
    SweepPoint p;
    p.index = 5;
    p.dataflow = "rs";
    p.settings = {{"pe_array", "16x16"}, {"glb.size_kb", "54"}};
    SweepProgress s{7, 16, 3, &p};
    EXPECT_EQ(sweep_progress_line(s, 8.0),
              "dfsim sweep: 7 of 16 points done: point 5, rs pe_array=16x16 glb.size_kb=54; 8.0 s elapsed, ETA 18 s\n");
    s.done = 16;  // the last: no ETA
    EXPECT_EQ(sweep_progress_line(s, 150.0),
              "dfsim sweep: 16 of 16 points done: point 5, rs pe_array=16x16 glb.size_kb=54; 2.5 min elapsed\n");
    s = SweepProgress{3, 16, 3, nullptr};  // before any point ran
    EXPECT_EQ(sweep_progress_line(s, 0.0),
              "dfsim sweep: 3 of 16 points done already (their files are in the folder), 13 to run\n");
    s.resumed = s.done = 0;
    EXPECT_EQ(sweep_progress_line(s, 0.0), "");
}

namespace {

// A results.csv column's cells, row by row.
std::vector<std::string> csv_column(const std::string& csv, const std::string& name) {
    std::istringstream lines(csv);
    std::vector<std::vector<std::string>> rows;
    for (std::string line; std::getline(lines, line);) {
        rows.emplace_back();
        std::istringstream cells(line);
        for (std::string c; std::getline(cells, c, ',');) rows.back().push_back(c);
    }
    std::vector<std::string> out;
    if (rows.empty()) return out;
    const size_t col = static_cast<size_t>(std::find(rows[0].begin(), rows[0].end(), name) - rows[0].begin());
    for (size_t i = 1; i < rows.size(); ++i) out.push_back(col < rows[i].size() ? rows[i][col] : "(none)");
    return out;
}

}  // namespace

// Every row names what produced its cycles (its `timing` field and CSV column, and the results'
// top level): `pass` by default, `cycle` under timing cycle, `estimate` for the analytical model.
// The timing model is an input of each point: a rerun with another reuses no point, one with the
// same reuses them all; the cycle rows hold the cycle engine's cycles.
TEST_F(Sweep, RowsNameTheTimingModelAndResumeOnIt) {
    spec.axes = {parse_axis("--pe-array", "8x8")};  // two points: ws, rs
    const std::string out = (dir / "out").string();
    auto check = [&](const std::string& name) -> nlohmann::json {
        const nlohmann::json j = nlohmann::json::parse(slurp(dir / "out" / "results.json"));
        EXPECT_EQ(j["timing"], name);
        EXPECT_EQ(j["rows"].size(), 2u);
        for (const auto& r : j["rows"]) EXPECT_EQ(r["timing"], name);
        EXPECT_EQ(csv_column(slurp(dir / "out" / "results.csv"), "timing"), (std::vector<std::string>{name, name}));
        return j["rows"];
    };
    EXPECT_EQ(run_sweep(spec, out, 1).run, 2);
    check("pass");
    spec.timing = Timing::Cycle;
    SweepSummary s = run_sweep(spec, out, 1);
    EXPECT_EQ(s.resumed, 0);
    EXPECT_EQ(s.run, 2);
    const nlohmann::json rows = check("cycle");
    EXPECT_EQ(run_sweep(spec, out, 1).resumed, 2);
    for (const SweepPoint& p : expand(spec)) {  // the point simulated here in the cycle engine
        const ArchParams a = point_arch(spec, p);
        RunOptions opt;
        opt.dataflow = p.dataflow;
        opt.timing = Timing::Cycle;
        const NetworkResult r = simulate_network(point_network(spec, p, a), a, table45_sized(), opt);
        EXPECT_EQ(rows[static_cast<size_t>(p.index)]["cycles"].get<uint64_t>(), r.total().cycles) << p.label();
    }
    spec.analytical = true;
    EXPECT_EQ(run_sweep(spec, out, 1).run, 2);
    check("estimate");
}

// dfsim sweep --timing: the simulation's timing model, named in the summary line and the rows
// (`estimate` for --model analytical); refused with --model analytical, which has none, and with
// --spec, whose file sets it.
TEST_F(Sweep, CommandLineTiming) {
    const std::string base = "sweep --arch " + src("configs/arch/eyeriss.yaml") + " --workload " +
                             (dir / "net.yaml").string() +
                             " --layers all --dataflows rs --pe-array 8x8 --no-plots --jobs 1";
    CmdResult r = dfsim(base + " --timing cycle --out " + (dir / "c").string());
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find(" s, timing cycle (cycle-level engine); "), std::string::npos) << r.out;
    EXPECT_EQ(nlohmann::json::parse(slurp(dir / "c" / "results.json"))["rows"][0]["timing"], "cycle");
    r = dfsim(base + " --model analytical --out " + (dir / "a").string());
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find(" s, timing estimate (analytical model); "), std::string::npos) << r.out;
    r = dfsim(base + " --model analytical --timing pass --out " + (dir / "a2").string());
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("field '--timing': expected no --timing with --model analytical"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir / "a2"));
    std::ofstream(dir / "spec.yaml") << "workload: " << (dir / "net.yaml").string() << "\ndataflows: [rs]\n";
    r = dfsim("sweep --spec " + (dir / "spec.yaml").string() + " --timing cycle --no-plots --out " +
              (dir / "s").string());
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("expected no --timing with --spec"), std::string::npos) << r.err;
}

// A sweep spec in YAML expands to the same points as the command line's options, and its errors
// name the file, line and field.
TEST_F(Sweep, SpecFileMatchesTheCommandLine) {
    std::ofstream(dir / "spec.yaml")
        << "workload: " << (dir / "net.yaml").string() << "\n"
        << "layers: all\ndataflows: [ws, rs]\njobs: 2\nout: somewhere\n"
        << "axes:\n  pe_array: [4x5, 8x8]\n  glb_kb: [16, 64]\n  set: {pe.psum_spad_words: [16, 32]}\n";
    auto id = [](const std::string& p) { return p.rfind('/', 0) == 0 ? p : src(p); };
    const SweepFile f = load_sweep_spec((dir / "spec.yaml").string(), id);
    EXPECT_EQ(f.jobs, 2);
    EXPECT_EQ(f.out, "somewhere");
    spec.axes.push_back(parse_axis("--set", "pe.psum_spad_words=16,32"));
    std::vector<std::string> a, b;
    for (const SweepPoint& p : expand(f.spec)) a.push_back(p.label());
    for (const SweepPoint& p : expand(spec)) b.push_back(p.label());
    EXPECT_EQ(a, b);
    EXPECT_EQ(a.size(), 16u);
    std::ofstream(dir / "bad.yaml") << "dataflows: [ws]\naxes:\n  pe_array: [4x5, 8]\n";
    const std::string bad = test::error_of([&] { load_sweep_spec((dir / "bad.yaml").string(), id); });
    EXPECT_NE(bad.find("bad.yaml:3:13: field 'axes.pe_array':"), std::string::npos) << "a bad pe_array: " << bad;
    EXPECT_EQ(f.spec.timing, Timing::Pass);
    std::ofstream(dir / "cycle.yaml") << "dataflows: [ws]\ntiming: cycle\n";
    EXPECT_EQ(load_sweep_spec((dir / "cycle.yaml").string(), id).spec.timing, Timing::Cycle);
    std::ofstream(dir / "ana.yaml") << "dataflows: [ws]\nmodel: analytical\ntiming: pass\n";
    const std::string ana = test::error_of([&] { load_sweep_spec((dir / "ana.yaml").string(), id); });
    EXPECT_NE(ana.find("ana.yaml:3:9: field 'timing': expected no timing with model: analytical"), std::string::npos)
        << ana;
    std::ofstream(dir / "bad3.yaml") << "dataflows: [ws]\ntiming: exact\n";
    const std::string bad3 = test::error_of([&] { load_sweep_spec((dir / "bad3.yaml").string(), id); });
    EXPECT_NE(bad3.find("bad3.yaml:2:9: field 'timing':"), std::string::npos) << bad3;
    std::ofstream(dir / "bad2.yaml") << "dataflows: [ws, xx]\n";
    const std::string bad2 = test::error_of([&] { load_sweep_spec((dir / "bad2.yaml").string(), id); });
    EXPECT_NE(bad2.find("bad2.yaml:1:12: field 'dataflows':"), std::string::npos) << "an unknown dataflow: " << bad2;
    EXPECT_NE(bad2.find("'xx'"), std::string::npos) << bad2;
}

namespace {

// The points a sweep has finished: the N.json files of its points directory.
std::set<int> finished_points(const fs::path& pdir) {
    std::set<int> s;
    std::error_code ec;
    for (auto it = fs::directory_iterator(pdir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
        const std::string n = it->path().filename().string();
        if (n.size() > 5 && n.ends_with(".json") && n.find_first_not_of("0123456789") == n.size() - 5)
            s.insert(std::stoi(n.substr(0, n.size() - 5)));
    }
    return s;
}

// Processes of process group `pgid` that have not yet died (zombies count as dead), from /proc.
int alive_in_group(pid_t pgid) {
    int n = 0;
    std::error_code ec;
    for (auto it = fs::directory_iterator("/proc", ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
        const std::string pid = it->path().filename().string();
        if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream in(it->path() / "stat");
        std::string stat;
        if (!std::getline(in, stat)) continue;  // gone meanwhile
        const size_t close = stat.rfind(')');  // "pid (comm) state ppid pgrp ..."
        if (close == std::string::npos) continue;
        std::istringstream f(stat.substr(close + 1));
        char state = 0;
        long ppid = 0, pgrp = 0;
        if (f >> state >> ppid >> pgrp && pgrp == pgid && state != 'Z' && state != 'X') ++n;
    }
    return n;
}

}  // namespace

// A sweep killed with SIGKILL (the sweep and its workers at once) after its first point, then
// run again: it resumes from the points written before the kill, and its results are those of
// a sweep that was never interrupted, one row per point.
TEST_F(Sweep, KilledMidwayResumesToTheUninterruptedRows) {
    using namespace std::chrono_literals;
    // 3 dataflows x 2 arrays x 2 buffers = 12 points of about 0.15 s each (two 3x3 layers of
    // 6 and 2 M MACs): the first point is written long before the last
    std::ofstream(dir / "net2.yaml") << R"(name: medium
layers:
  - {name: A, C: 16, H: 32, W: 32, M: 32, R: 3, S: 3, padding: 1, requant: {multiplier: 1, shift: 10, relu: true}}
  - {name: B, C: 32, H: 28, W: 28, M: 24, R: 3, S: 3, stride: 2}
)";
    const int expected = 3 * 2 * 2;
    auto args = [&](const fs::path& out) {
        return std::vector<std::string>{"sweep",      "--workload", (dir / "net2.yaml").string(),
                                        "--layers",   "all",        "--dataflows",
                                        "ws,os-b,rs", "--pe-array", "8x8,12x14",
                                        "--glb-kb",   "32,64",      "--jobs",
                                        "2",          "--no-plots", "--out",
                                        out.string()};
    };
    auto command_line = [](const std::vector<std::string>& a) {
        std::string c;
        for (const auto& x : a) c += " '" + x + "'";
        return c;
    };
    const fs::path out = dir / "out", pdir = out / "points", log = dir / "killed.log";

    // start it in a process group of its own (its workers are forked into the same group)
    std::vector<std::string> a = args(out);
    std::vector<char*> argv{const_cast<char*>(dfsim_binary())};
    for (std::string& x : a) argv.push_back(x.data());
    argv.push_back(nullptr);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        setpgid(0, 0);
        const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
        }
        execv(dfsim_binary(), argv.data());
        _exit(127);
    }
    setpgid(pid, pid);  // also here, so the group exists whichever process runs first
    // kill the group as soon as the first point file appears (polled, with a deadline)
    bool exited = false;
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (finished_points(pdir).empty() && std::chrono::steady_clock::now() < deadline) {
        if (waitpid(pid, nullptr, WNOHANG) == pid) {
            exited = true;
            break;
        }
        std::this_thread::sleep_for(2ms);
    }
    ::kill(-pid, SIGKILL);
    if (!exited) waitpid(pid, nullptr, 0);
    ASSERT_FALSE(exited) << "the sweep ended before it wrote a point:\n" << slurp(log);
    const auto reaped = std::chrono::steady_clock::now() + 10s;  // the orphaned workers die too
    while (alive_in_group(pid) > 0 && std::chrono::steady_clock::now() < reaped) std::this_thread::sleep_for(5ms);
    ASSERT_EQ(alive_in_group(pid), 0) << "workers survived SIGKILL";
    const std::set<int> written = finished_points(pdir);
    ASSERT_GE(written.size(), 1u) << "killed before the first point";
    ASSERT_LT(written.size(), static_cast<size_t>(expected))
        << "the sweep finished before the kill: make the points slower";
    EXPECT_FALSE(fs::exists(out / "results.csv"));
    std::printf("killed with %zu of %d points written\n", written.size(), expected);
    // a kill can also land while a file is being written: leave such temporaries behind too
    std::ofstream(pdir / "11.json.tmp.999999") << "{\"key\": ";
    std::ofstream(out / "results.csv.tmp.999999") << "index,data";

    // the same command again: it resumes from the points written before the kill
    CmdResult r = dfsim(command_line(args(out)));
    ASSERT_EQ(r.code, 0) << r.err;
    const std::string summary = std::to_string(expected) + " points (" + std::to_string(written.size()) +
                                " from an earlier run, " + std::to_string(expected - static_cast<int>(written.size())) +
                                " run now)";
    EXPECT_NE(r.out.find(summary), std::string::npos) << r.out;
    // one row per point, each point once, and nothing temporary left
    std::istringstream csv(slurp(out / "results.csv"));
    std::string line;
    std::getline(csv, line);
    EXPECT_EQ(line.rfind("index,dataflow,", 0), 0u) << line;
    std::multiset<int> rows;
    while (std::getline(csv, line)) {
        rows.insert(std::stoi(line.substr(0, line.find(','))));
        EXPECT_NE(line.find(",ok,"), std::string::npos) << line;
        EXPECT_NE(line.find(",bit-exact"), std::string::npos) << line;
    }
    ASSERT_EQ(rows.size(), static_cast<size_t>(expected));
    for (int i = 0; i < expected; ++i) EXPECT_EQ(rows.count(i), 1u) << "point " << i;
    for (const fs::path& d : {out, pdir})
        for (const auto& e : fs::directory_iterator(d))
            EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << e.path();
    EXPECT_EQ(finished_points(pdir).size(), static_cast<size_t>(expected));

    // the same numbers as a sweep that was never interrupted
    r = dfsim(command_line(args(dir / "whole")));
    ASSERT_EQ(r.code, 0) << r.err;
    // (but for the command line, with its other --out, in the provenance)
    EXPECT_EQ(masked_report(slurp(out / "results.csv")), masked_report(slurp(dir / "whole" / "results.csv")));
    // the mapper's statistics aside: a point rerun after the kill may find its layers' mappings in
    // the folder's mapping cache (stored before the kill), where the whole sweep searched them
    auto rows_of = [&](const fs::path& f) {
        nlohmann::json rows = nlohmann::json::parse(slurp(f))["rows"];
        for (auto& r : rows) r.erase("mapper");
        return rows;
    };
    EXPECT_EQ(rows_of(out / "results.json"), rows_of(dir / "whole" / "results.json"));
}
