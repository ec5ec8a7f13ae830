// The timing corpus (study/timing_corpus.h) at CI size: 40 random layers and three MobileNet
// layers on all six dataflows, each mapped once and simulated in both timing models. Every case
// must be bit-exact in both and count alike (but for the known cycle-engine bugs listed below),
// and the pass / cycle and estimated / cycle ratios must stay within the bounds measured now.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <set>

#include "study/timing_corpus.h"
#include "tests/cli_fixture.h"
#include "tests/test_util.h"

using namespace dfsim;
using namespace dfsim::test;

namespace {

// The bounds the CI corpus holds, per dataflow: every case's ratio within [min, max], and at
// least `within10` of the cases within 10% (over the 43 cases of a dataflow). Measured on
// 2026-11-30, rs on 2026-12-01 (the test prints the figures) with a margin of 0.01 on each ratio and 5 points on the
// fraction; the figures measured are in the comments (min .. max, fraction within 10%). The pass
// model follows the cycle engine exactly on the grid dataflows; rs and nlr differ where the two
// place the same requests on the banks and buses in another order (the pass model a pass's
// requests in program order, the engine in time order). Tighten them as the models converge.
struct Bound {
    const char* dataflow;
    double pass_min, pass_max, pass_within10;  // pass / cycle cycles
    double est_min, est_max, est_within10;  // the mapper's estimated / cycle cycles
};
constexpr Bound kBounds[] = {
    // dataflow  pass/cycle: min, max, within10   estimate/cycle: min, max, within10
    {"ws", 0.999, 1.001, 1.00, 0.883, 1.355, 0.79},  // 1.000 .. 1.000, 100%; 0.893 .. 1.345, 84%
    {"os-a", 0.999, 1.001, 1.00, 0.950, 1.116, 0.93},  // 1.000 .. 1.000, 100%; 0.960 .. 1.106, 98%
    {"os-b", 0.999, 1.001, 1.00, 0.938, 1.100, 0.95},  // 1.000 .. 1.000, 100%; 0.948 .. 1.090, 100%
    {"os-c", 0.999, 1.001, 1.00, 0.983, 1.175, 0.83},  // 1.000 .. 1.000, 100%; 0.993 .. 1.165, 88%
    {"nlr", 0.999, 1.050, 0.95, 0.788, 1.015, 0.81},  // 1.000 .. 1.040, 100%; 0.798 .. 1.005, 86%
    {"rs", 0.980, 1.021, 0.95, 0.820, 1.240, 0.70},  // 0.990 .. 1.011, 100%; 0.830 .. 1.229, 74%
};

// Cases of the CI corpus the cycle-level engine gets wrong today (hw/cycle, reported with the
// corpus): they are left out of the checks and the bounds. One that passes fails the test, so
// that it leaves this list (and enters the bounds) once fixed.
struct KnownFailure {
    const char* layer;
    const char* dataflow;
    const char* what;
};
// none today: r000 rs (counts), r007, r019 and r029 nlr (deadlocks) were fixed on 2026-11-30
const std::vector<KnownFailure> kKnownFailures = {};

const char* const kDataflows[] = {"ws", "os-a", "os-b", "os-c", "nlr", "rs"};

std::vector<CorpusCase> ci_cases() {
    const std::vector<std::string> dfs(std::begin(kDataflows), std::end(kDataflows));
    std::vector<CorpusCase> cases = corpus_cases("random", random_layers(40, 1), dfs);
    std::vector<Layer> mobilenet;
    for (const Layer& l : network_layers(src("workloads/mobilenet_v1.yaml")))
        if (l.name == "DW13" || l.name == "PW13" || l.name == "FC") mobilenet.push_back(l);
    for (CorpusCase& c : corpus_cases("mobilenet_v1", mobilenet, dfs)) cases.push_back(std::move(c));
    return cases;
}

const KnownFailure* known_failure(const CaseResult& r) {
    for (const KnownFailure& k : kKnownFailures)
        if (r.set == "random" && r.layer == k.layer && r.dataflow == k.dataflow) return &k;
    return nullptr;
}

}  // namespace

TEST(TimingCorpus, RandomLayersAreSeededAndWithinTheirLimits) {
    const std::vector<Layer> a = random_layers(200, 1);
    EXPECT_EQ(a, random_layers(200, 1));
    EXPECT_NE(a, random_layers(200, 2));
    // the CI corpus is the full corpus's first layers
    const std::vector<Layer> first = random_layers(40, 1);
    EXPECT_TRUE(std::equal(first.begin(), first.end(), a.begin()));
    std::set<std::string> kinds;
    std::set<int> strides, filters, batches;
    for (const Layer& l : a) {
        const LayerShape& s = l.shape;
        EXPECT_TRUE(s.C >= 1 && s.C <= 64 && s.M >= 1 && s.M <= 64) << shape_summary(l);
        EXPECT_TRUE(s.H >= 1 && s.H <= 32 && s.W >= 1 && s.W <= 32) << shape_summary(l);
        EXPECT_TRUE(s.R == s.S && s.R >= 1 && s.R <= 11 && s.P <= s.R / 2) << shape_summary(l);
        EXPECT_TRUE(s.E() >= 1 && s.F() >= 1 && s.C % s.G == 0 && s.M % s.G == 0) << shape_summary(l);
        EXPECT_LE(s.macs(), kCorpusMaxMacs) << shape_summary(l);
        kinds.insert(shape_summary(l).substr(0, shape_summary(l).find(' ')));
        strides.insert(s.U);
        filters.insert(s.R);
        batches.insert(s.N);
    }
    EXPECT_EQ(kinds, (std::set<std::string>{"conv", "dw", "fc", "grouped"}));
    EXPECT_EQ(strides, (std::set<int>{1, 2, 3, 4}));
    EXPECT_EQ(batches, (std::set<int>{1, 2, 3, 4}));
    EXPECT_TRUE(filters.count(1) && filters.count(11));
}

TEST(TimingCorpus, CountDifferencesNameTheCounters) {
    ActionCounts a;
    a.macs = 10;
    ActionCounts b = a;
    EXPECT_TRUE(count_differences(a, b).empty());
    b.acc.at(Level::Glb, DataType::Psum).reads = 3;
    b.dram_moved_bits[1] = 8;
    b.psum_saturations = 1;
    EXPECT_EQ(count_differences(a, b), (std::vector<std::string>{"glb_psum_reads", "psum_saturations",
                                                                 "dram_filter_moved_bits"}));  // registry order
    // every counter ActionCounts::combine visits has a name of its own
    const ActionCounts zero;
    size_t n = 0;
    ActionCounts(zero).combine(zero, [&](uint64_t&, uint64_t) { ++n; });
    std::set<std::string> names;
    for (size_t k = 0; k < n; ++k) {
        ActionCounts one;
        size_t i = 0;
        one.combine(zero, [&](uint64_t& x, uint64_t) { x = i++ == k; });
        const std::vector<std::string> d = count_differences(zero, one);
        ASSERT_EQ(d.size(), 1u) << k;
        EXPECT_EQ(d[0].find("counter #"), std::string::npos) << d[0];
        names.insert(d[0]);
    }
    EXPECT_EQ(names.size(), n);
}

TEST(TimingCorpus, RatioStatistics) {
    const RatioStats s = ratio_stats({0.96, 1.0, 1.04, 1.2});
    EXPECT_EQ(s.n, 4);
    EXPECT_DOUBLE_EQ(s.min, 0.96);
    EXPECT_DOUBLE_EQ(s.max, 1.2);
    EXPECT_DOUBLE_EQ(s.mean, 1.05);
    EXPECT_NEAR(s.worst, 0.2, 1e-12);
    EXPECT_DOUBLE_EQ(s.within3, 0.25);
    EXPECT_DOUBLE_EQ(s.within5, 0.75);
    EXPECT_DOUBLE_EQ(s.within10, 0.75);
    EXPECT_EQ(ratio_stats({}).n, 0);
}

// Worker processes give what one process gives, in case order, and report every case done.
TEST(TimingCorpus, WorkersGiveTheResultsOfOneProcess) {
    const std::vector<CorpusCase> cases = corpus_cases("random", random_layers(4, 7), {"os-b", "rs"});
    const ArchParams a = eyeriss();
    const EnergyTable t = table45();
    const std::vector<CaseResult> one = run_corpus(cases, a, t, Objective::Energy, 1);
    int calls = 0, last = 0;
    const std::vector<CaseResult> three = run_corpus(cases, a, t, Objective::Energy, 3, [&](int done, int total) {
        ++calls;
        last = done;
        EXPECT_EQ(total, 8);
    });
    EXPECT_EQ(calls, 8);
    EXPECT_EQ(last, 8);
    ASSERT_EQ(one.size(), cases.size());
    ASSERT_EQ(three.size(), cases.size());
    for (size_t i = 0; i < cases.size(); ++i) {
        EXPECT_EQ(three[i].index, static_cast<int>(i));
        EXPECT_EQ(three[i].layer, cases[i].layer.name);
        EXPECT_EQ(three[i].dataflow, cases[i].dataflow);
        EXPECT_EQ(three[i].status, one[i].status);
        EXPECT_EQ(three[i].pass_cycles, one[i].pass_cycles);
        EXPECT_EQ(three[i].cycle_cycles, one[i].cycle_cycles);
        EXPECT_EQ(three[i].estimated_cycles, one[i].estimated_cycles);
        EXPECT_EQ(three[i].mapping, one[i].mapping);
        EXPECT_EQ(three[i].count_differences, one[i].count_differences);
    }
}

TEST(TimingCorpus, CiCorpusIsExactAndHoldsTheBounds) {
    const std::vector<CorpusCase> cases = ci_cases();
    const std::vector<CaseResult> results = run_corpus(cases, eyeriss(), table45(), Objective::Energy, 1);
    print_corpus(std::cout, results, 5);
    std::vector<CaseResult> kept;
    for (const CaseResult& r : results) {
        const std::string what = r.set + " " + r.layer + " " + r.dataflow + " (" + r.shape + ")";
        const bool ok = r.ran() && r.exact() && r.count_differences.empty();
        if (const KnownFailure* k = known_failure(r)) {
            EXPECT_FALSE(ok) << what << " now passes: remove it from kKnownFailures (" << k->what << ")";
            continue;
        }
        EXPECT_EQ(r.status, "ok") << what;
        EXPECT_EQ(r.pass_check, "bit-exact") << what;
        EXPECT_EQ(r.cycle_check, "bit-exact") << what;
        EXPECT_TRUE(r.count_differences.empty()) << what << ": " << r.count_differences.front() << " differs";
        kept.push_back(r);
    }
    for (const Bound& b : kBounds) {
        std::vector<double> pass, est;
        for (const CaseResult& r : kept)
            if (r.dataflow == b.dataflow && r.ran()) pass.push_back(r.pass_ratio()), est.push_back(r.estimate_ratio());
        const RatioStats p = ratio_stats(pass), e = ratio_stats(est);
        ASSERT_GE(p.n, 40) << b.dataflow;
        std::printf(
            "measured %-5s pass/cycle %.3f .. %.3f, %.0f%% within 10%%; estimate/cycle %.3f .. %.3f, %.0f%% within "
            "10%%\n",
            b.dataflow, p.min, p.max, 100 * p.within10, e.min, e.max, 100 * e.within10);
        EXPECT_GE(p.min, b.pass_min) << b.dataflow << " pass/cycle";
        EXPECT_LE(p.max, b.pass_max) << b.dataflow << " pass/cycle";
        EXPECT_GE(p.within10, b.pass_within10) << b.dataflow << " pass/cycle";
        EXPECT_GE(e.min, b.est_min) << b.dataflow << " estimate/cycle";
        EXPECT_LE(e.max, b.est_max) << b.dataflow << " estimate/cycle";
        EXPECT_GE(e.within10, b.est_within10) << b.dataflow << " estimate/cycle";
    }
}

namespace {
class CorpusCli : public TempDirTest {};
}  // namespace

TEST_F(CorpusCli, PrintsTheTablesAndWritesEveryCase) {
    const std::string json = (dir / "c.json").string();
    const CmdResult r = dfsim("corpus --random 3 --networks none --dataflows os-a,os-c --jobs 2 --json " + json);
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("pass-level / cycle-level cycles"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("random         os-c      3     3"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("pass-level / cycle-level cycles by layer kind"), std::string::npos) << r.out;
    EXPECT_NE(r.err.find("dfsim corpus: 6/6 cases"), std::string::npos) << r.err;
    const nlohmann::json j = nlohmann::json::parse(slurp(json));
    ASSERT_EQ(j.at("cases").size(), 6u);
    EXPECT_EQ(j["cases"][0]["layer"], "r000");
    EXPECT_EQ(j["cases"][1]["dataflow"], "os-c");
    EXPECT_EQ(j["summaries"].size(), 2u);
    int by_kind = 0;
    for (const auto& k : j.at("by_kind")) by_kind += k.at("ran").get<int>();
    EXPECT_EQ(by_kind, 6);
    EXPECT_EQ(dfsim("corpus --dataflows xyz --random 1").code, 2);
}
