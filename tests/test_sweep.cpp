// dfsim sweep: the cartesian product in a fixed order, one row per point whatever the number of
// worker processes, resumption after an interruption, any architecture field by --set, and the
// analytical model beside the simulation.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/config_error.h"
#include "sim/sweep.h"
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
    EXPECT_NE(err([] { parse_axis("--pe-array", "8x8,12"); }).find("expected ROWSxCOLS values such as 12x14, got '12'"), std::string::npos);
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

// The same point alone and inside sweeps run with one or two workers: identical numbers and files.
TEST_F(Sweep, JobsDoNotChangeResultsAndAPointAloneMatches) {
    const SweepSummary s1 = run_sweep(spec, (dir / "j1").string(), 1);
    const SweepSummary s2 = run_sweep(spec, (dir / "j2").string(), 2);
    EXPECT_EQ(s1.points, 8);
    EXPECT_EQ(s2.run, 8);
    EXPECT_EQ(slurp(dir / "j1" / "results.csv"), slurp(dir / "j2" / "results.csv"));
    EXPECT_EQ(slurp(dir / "j1" / "results.json"), slurp(dir / "j2" / "results.json"));
    const nlohmann::json rows = nlohmann::json::parse(slurp(dir / "j2" / "results.json"))["rows"];
    ASSERT_EQ(rows.size(), 8u);
    const SweepPoint p = expand(spec)[5];
    EXPECT_EQ(run_point(spec, p), rows[5]);
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
// simulation's (counts are equal); its cycles are an estimate.
TEST_F(Sweep, AnalyticalModelBesideTheSimulation) {
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

// The plots: PNG and SVG for energy, cycles and utilization against the PE count and the Pareto
// plot, from the rows; the Pareto front holds exactly the points no other beats in both.
TEST_F(Sweep, PlotsAndParetoFront) {
    if (std::system("gnuplot --version >/dev/null 2>&1") != 0) GTEST_SKIP() << "gnuplot is not installed";
    const std::string out = (dir / "out").string();
    run_sweep(spec, out, 2);
    const nlohmann::json rows = nlohmann::json::parse(slurp(dir / "out" / "results.json"))["rows"];
    write_sweep_plots(rows, out);
    for (const char* base : {"energy_vs_pes", "cycles_vs_pes", "utilization_vs_pes", "pareto"}) {
        EXPECT_EQ(slurp(dir / "out" / (std::string(base) + ".png")).substr(0, 8), "\x89PNG\r\n\x1a\n") << base;
        EXPECT_NE(slurp(dir / "out" / (std::string(base) + ".svg")).find("<svg"), std::string::npos) << base;
    }
    // the front, recomputed here by brute force from the rows
    std::vector<std::pair<double, double>> pts, front;
    for (const auto& r : rows) pts.emplace_back(r["latency_ms"].get<double>(), r["energy"].get<double>());
    for (const auto& p : pts) {
        bool beaten = false;
        for (const auto& q : pts) beaten = beaten || (q.first <= p.first && q.second < p.second) || (q.first < p.first && q.second <= p.second);
        if (!beaten) front.push_back(p);
    }
    std::sort(front.begin(), front.end());
    std::istringstream f(slurp(dir / "out" / "pareto.dat"));
    std::vector<std::pair<double, double>> written;
    for (std::string line; std::getline(f, line);) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream ls(line);
        double a = 0, b = 0;
        ls >> a >> b;
        written.emplace_back(a, b);
    }
    ASSERT_EQ(written.size(), front.size());
    for (size_t i = 0; i < front.size(); ++i) {
        EXPECT_NEAR(written[i].first, front[i].first, 1e-6 * front[i].first);
        EXPECT_NEAR(written[i].second, front[i].second, 1e-6 * front[i].second);
    }
}

// A sweep spec in YAML expands to the same points as the command line's options, and its errors
// name the file, line and field.
TEST_F(Sweep, SpecFileMatchesTheCommandLine) {
    std::ofstream(dir / "spec.yaml") << "workload: " << (dir / "net.yaml").string() << "\n"
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
    try {
        load_sweep_spec((dir / "bad.yaml").string(), id);
        ADD_FAILURE() << "accepted a bad pe_array";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("bad.yaml:3:13: field 'axes.pe_array':"), std::string::npos) << e.what();
    }
    std::ofstream(dir / "bad2.yaml") << "dataflows: [ws, xx]\n";
    try {
        load_sweep_spec((dir / "bad2.yaml").string(), id);
        ADD_FAILURE() << "accepted an unknown dataflow";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("bad2.yaml:1:12: field 'dataflows':"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("'xx'"), std::string::npos) << e.what();
    }
}
