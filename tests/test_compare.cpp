// Dataflow comparison (study/compare.h, `dfsim compare`): the runs share data and reference and
// match independent runs; every reported figure (energy per MAC, its breakdowns, DRAM accesses
// per MAC, utilization, ratio to the best) is recomputed here from the raw results; the command
// line rejects bad dataflow lists and writes its files (plots only when gnuplot works).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "base/error.h"
#include "base/stats.h"
#include "report/compare_report.h"
#include "report/provenance.h"
#include "study/compare.h"
#include "tests/cli_fixture.h"
#include "tests/test_util.h"
#include "workload/layer.h"

using namespace dfsim;
using namespace dfsim::test;
namespace fs = std::filesystem;

namespace {

// Two small layers: padded conv with requantization; strided, grouped conv at batch 2 with
// half of its ifmap zero.
Network small_network() {
    Network net;
    net.name = "cmp";
    Layer a = conv("A", 3, 11, 11, 8, 3, 3, 1, 1);
    a.requant.enabled = true;
    a.requant.shift = 8;
    a.requant.relu = true;
    Layer b = conv("B", 8, 11, 11, 6, 3, 3, 2, 0, 2, 2);
    b.ifmap_data.zero_fraction = 0.5;
    net.layers = {a, b};
    return net;
}

// N*M*E*F*(C/G)*R*S written out from the shapes above
// A: E = F = (11 + 2 - 3) / 1 + 1 = 11; B: E = F = (11 - 3) / 2 + 1 = 5
constexpr uint64_t kMacsA = 1ull * 8 * 11 * 11 * 3 * 3 * 3;  // 26136
constexpr uint64_t kMacsB = 2ull * 6 * 5 * 5 * (8 / 2) * 3 * 3;  // 10800

const CompareResult& rs_compare() {
    static const CompareResult c = [] {
        RunOptions opt;
        return run_compare(small_network(), eyeriss(), table45(), {"rs"}, opt);
    }();
    return c;
}

// The rs run again under a second (fake) name, its energies scaled by `f`: the report
// back-ends take any names, so the ratio and best-dataflow logic is checked against a known
// answer that does not depend on the other dataflows' figures.
CompareResult with_scaled_copy(const std::string& name, double f) {
    CompareResult c = rs_compare();
    NetworkResult r = c.runs.front();
    r.dataflow = name;
    for (LayerResult& l : r.layers) {
        for (auto& row : l.energy.by_level_type)
            for (double& e : row) e *= f;
        l.energy.alu *= f;
    }
    c.runs.push_back(r);
    return c;
}

uint64_t dram_words(const LayerResult& l) {
    uint64_t n = 0;
    for (DataType d : {DataType::Ifmap, DataType::Filter, DataType::Psum})
        n += l.counts.acc.at(Level::Dram, d).reads + l.counts.acc.at(Level::Dram, d).writes;
    return n;
}

std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
    std::vector<std::vector<std::string>> rows;
    std::stringstream ss(text);
    for (std::string line; std::getline(ss, line);) {
        std::vector<std::string> cells;
        std::stringstream ls(line);
        for (std::string c; std::getline(ls, c, ',');) cells.push_back(c);
        rows.push_back(cells);
    }
    return rows;
}

size_t column(const std::vector<std::string>& header, const std::string& name) {
    auto it = std::find(header.begin(), header.end(), name);
    EXPECT_NE(it, header.end()) << name;
    return static_cast<size_t>(it - header.begin());
}

}  // namespace

TEST(Compare, RunsShareDataAndReferenceAndMatchAnIndependentRun) {
    const CompareResult& c = rs_compare();
    EXPECT_EQ(c.network, "cmp");
    EXPECT_EQ(c.arch, "eyeriss");
    EXPECT_EQ(c.energy_table, "45nm-horowitz-fixed");
    EXPECT_EQ(c.energy_unit, EnergyUnit::Pj);
    ASSERT_EQ(c.runs.size(), 1u);
    const NetworkResult& r = c.runs.front();
    EXPECT_EQ(r.dataflow, "rs");
    EXPECT_EQ(r.network, "cmp");
    EXPECT_EQ(r.arch, "eyeriss");
    EXPECT_EQ(r.energy_unit, EnergyUnit::Pj);
    ASSERT_EQ(r.layers.size(), 2u);
    EXPECT_EQ(r.layers[0].counts.macs, kMacsA);
    EXPECT_EQ(r.layers[1].counts.macs, kMacsB);
    // the reference made once per layer is the one the outputs were checked against
    for (const LayerResult& l : r.layers) {
        EXPECT_EQ(l.output_check, OutputCheck::BitExact) << l.name;
        EXPECT_EQ(l.mismatches, 0u);
    }
    EXPECT_GT(r.layers[1].counts.gated_macs, 0u);  // the zeros of the shared data reached the PEs

    // same numbers as simulating the network on its own (own data, own reference)
    RunOptions opt;
    const NetworkResult alone = simulate_network(small_network(), eyeriss(), table45(), opt);
    for (size_t i = 0; i < 2; ++i) {
        EXPECT_EQ(r.layers[i].counts, alone.layers[i].counts);
        EXPECT_EQ(r.layers[i].cycles, alone.layers[i].cycles);
        EXPECT_EQ(r.layers[i].energy.total(), alone.layers[i].energy.total());
        EXPECT_EQ(r.layers[i].mapping, alone.layers[i].mapping);
    }
}

// Whatever is registered (rs alone, or all six): closed-form MACs, bit-exact against the one
// shared reference, and the lowest energy per MAC is the best with ratio 1.
TEST(Compare, EveryRegisteredDataflowOnSharedData) {
    std::vector<std::string> names;
    for (const Dataflow* d : all_dataflows()) names.push_back(d->name());
    RunOptions opt;
    const CompareResult c = run_compare(small_network(), eyeriss(), table45(), names, opt);
    ASSERT_EQ(c.runs.size(), names.size());
    for (size_t k = 0; k < names.size(); ++k) {
        SCOPED_TRACE(names[k]);
        EXPECT_EQ(c.runs[k].dataflow, names[k]);
        EXPECT_EQ(c.runs[k].layers[0].counts.macs, kMacsA);
        EXPECT_EQ(c.runs[k].layers[1].counts.macs, kMacsB);
        for (const LayerResult& l : c.runs[k].layers) EXPECT_EQ(l.output_check, OutputCheck::BitExact) << l.name;
    }
    const nlohmann::json j = compare_to_json(c);
    for (size_t i = 0; i <= 2; ++i) {
        const bool total = i == 2;
        const nlohmann::json& g = total ? j["total"] : j["layers"][i];
        size_t best = 0;
        double lowest = 0;
        for (size_t k = 0; k < names.size(); ++k) {
            const LayerResult l = total ? c.runs[k].total() : c.runs[k].layers[i];
            const double epm = l.energy.total() / static_cast<double>(l.counts.macs);
            if (k == 0 || epm < lowest) best = k, lowest = epm;
        }
        EXPECT_EQ(g["best_dataflow"], names[best]);
        EXPECT_DOUBLE_EQ(g["results"][best]["energy_ratio_to_best"].get<double>(), 1.0);
        for (const nlohmann::json& e : g["results"]) {
            EXPECT_GE(e["energy_ratio_to_best"].get<double>(), 1.0);
            EXPECT_NEAR(e["energy_ratio_to_best"].get<double>(), e["energy_per_mac"].get<double>() / lowest, 1e-12);
        }
    }
}

TEST(Compare, EachDataflowRunsOnItsEqualAreaStorage) {
    ArchParams base = small_arch();
    base.equal_area.enabled = true;
    base.equal_area.dataflows = {{"rs", 12, 200, 24}};  // 24 fewer filter words per PE go to the GLB
    Network net = small_network();
    net.layers.resize(1);
    RunOptions opt;
    opt.check_output = false;
    const CompareResult c = run_compare(net, base, table45(), {"rs"}, opt);
    const ArchParams rs = base.for_dataflow("rs");
    ASSERT_GT(rs.glb.size_bytes, base.glb.size_bytes);
    EXPECT_EQ(c.arch, "small");
    EXPECT_EQ(c.runs[0].arch, "small/rs");
    EXPECT_EQ(c.runs[0].arch_params.glb.size_bytes, rs.glb.size_bytes);
    EXPECT_EQ(c.runs[0].arch_params.pe.filter_spad_words, 200);
    EXPECT_EQ(c.runs[0].layers[0].output_check, OutputCheck::Skipped);
    EXPECT_EQ(compare_to_json(c)["runs"][0]["arch"]["glb"]["size_bytes"], rs.glb.size_bytes);
}

TEST(Compare, BadDataflowListsAreConfigErrors) {
    const Network net = small_network();
    RunOptions opt;
    const std::vector<std::vector<std::string>> bad_lists = {{}, {"rs", "rs"}, {"xyz"}, {"rs", ""}};
    for (const auto& bad : bad_lists) EXPECT_THROW(run_compare(net, eyeriss(), table45(), bad, opt), ConfigError);
    EXPECT_EQ(parse_dataflow_list("rs"), std::vector<std::string>{"rs"});
    for (const char* bad : {"", "rs,", ",rs", "rs,,rs", "rs,rs", "rs,xyz"})
        EXPECT_THROW(parse_dataflow_list(bad), ConfigError) << bad;
    try {
        parse_dataflow_list("rs,xyz");
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("'xyz'"), std::string::npos) << e.what();
    }
}

TEST(Compare, JsonFiguresRecomputedFromTheRuns) {
    const CompareResult c = with_scaled_copy("rs3x", 3.0);
    const NetworkResult& r = c.runs[0];
    const nlohmann::json j = compare_to_json(c);
    EXPECT_EQ(j["network"], "cmp");
    EXPECT_EQ(j["energy_unit"], "pJ");
    EXPECT_EQ(j["dataflows"], nlohmann::json::array({"rs", "rs3x"}));
    ASSERT_EQ(j["layers"].size(), 2u);
    EXPECT_EQ(j["layers"][1]["shape"]["N"], 2);
    EXPECT_EQ(j["layers"][1]["shape"]["groups"], 2);
    for (size_t i = 0; i <= 2; ++i) {
        const bool total = i == 2;
        const nlohmann::json& g = total ? j["total"] : j["layers"][i];
        const LayerResult l = total ? r.total() : r.layers[i];
        SCOPED_TRACE(l.name);
        EXPECT_EQ(g["name"], total ? "total" : l.name);
        EXPECT_EQ(g["best_dataflow"], "rs");
        ASSERT_EQ(g["results"].size(), 2u);
        const nlohmann::json& e = g["results"][0];
        const double macs = static_cast<double>(total ? kMacsA + kMacsB : i == 0 ? kMacsA : kMacsB);
        EXPECT_EQ(e["macs"].get<uint64_t>(), static_cast<uint64_t>(macs));
        const double pj = l.energy.total();
        EXPECT_DOUBLE_EQ(e["energy"]["total"].get<double>(), pj);
        EXPECT_DOUBLE_EQ(e["energy_per_mac"].get<double>(), pj / macs);
        EXPECT_DOUBLE_EQ(e["energy_per_mac_by_level"]["dram"].get<double>(), l.energy.level(Level::Dram) / macs);
        EXPECT_DOUBLE_EQ(e["energy_per_mac_by_level"]["noc"].get<double>(), l.energy.level(Level::Noc) / macs);
        EXPECT_DOUBLE_EQ(e["energy_per_mac_by_level"]["alu"].get<double>(), l.energy.alu / macs);
        EXPECT_DOUBLE_EQ(e["energy_per_mac_by_type"]["psum"].get<double>(), l.energy.type(DataType::Psum) / macs);
        // the breakdowns add up to the total, each way
        double by_level = 0, by_type = e["energy_per_mac_by_level"]["alu"].get<double>();
        for (const char* lv : {"alu", "rf", "noc", "glb", "dram"})
            by_level += e["energy_per_mac_by_level"][lv].get<double>();
        for (const char* t : {"ifmap", "filter", "psum"}) by_type += e["energy_per_mac_by_type"][t].get<double>();
        EXPECT_NEAR(by_level, pj / macs, 1e-9 * pj / macs);
        EXPECT_NEAR(by_type, pj / macs, 1e-9 * pj / macs);
        EXPECT_EQ(e["dram_accesses"].get<uint64_t>(), dram_words(l));
        EXPECT_DOUBLE_EQ(e["dram_accesses_per_mac"].get<double>(), static_cast<double>(dram_words(l)) / macs);
        EXPECT_EQ(e["cycles"].get<uint64_t>(), l.cycles);
        EXPECT_DOUBLE_EQ(e["utilization"].get<double>(), macs / (static_cast<double>(l.cycles) * 168));
        EXPECT_EQ(e["output_check"], "bit-exact");
        // ratio to the best: 1 for rs, 3 for the copy with three times the energy
        EXPECT_DOUBLE_EQ(e["energy_ratio_to_best"].get<double>(), 1.0);
        EXPECT_NEAR(g["results"][1]["energy_ratio_to_best"].get<double>(), 3.0, 1e-12);
        EXPECT_NEAR(g["results"][1]["energy_per_mac"].get<double>(), 3 * pj / macs, 1e-9 * pj / macs);
    }
    // the total's cycles and utilization: layers run one after another
    EXPECT_EQ(j["total"]["results"][0]["cycles"].get<uint64_t>(), r.layers[0].cycles + r.layers[1].cycles);

    // a cheaper copy becomes the best: it gets 1 and rs gets 1 / 0.5 = 2
    const nlohmann::json k = compare_to_json(with_scaled_copy("half", 0.5));
    for (const nlohmann::json& g : {k["layers"][0], k["layers"][1], k["total"]}) {
        EXPECT_EQ(g["best_dataflow"], "half");
        EXPECT_NEAR(g["results"][0]["energy_ratio_to_best"].get<double>(), 2.0, 1e-12);
        EXPECT_DOUBLE_EQ(g["results"][1]["energy_ratio_to_best"].get<double>(), 1.0);
        for (const nlohmann::json& e : g["results"]) EXPECT_GE(e["energy_ratio_to_best"].get<double>(), 1.0);
    }
}

TEST(Compare, CsvHasARowPerLayerAndDataflowPlusTotals) {
    const CompareResult c = with_scaled_copy("rs3x", 3.0);
    const auto rows = parse_csv(compare_to_csv(c));
    ASSERT_EQ(rows.size(), 1u + 2 * 2 + 2 + 2);  // header, 2 layers x 2 dataflows, 2 CONV subtotals, 2 totals
    const auto& h = rows[0];
    for (const auto& row : rows) EXPECT_EQ(row.size(), h.size());
    const size_t layer = column(h, "layer"), df = column(h, "dataflow"), macs = column(h, "macs"),
                 total = column(h, "energy_total"), per_mac = column(h, "per_mac_total"),
                 dram = column(h, "dram_accesses"), ratio = column(h, "ratio_to_best"), unit = column(h, "energy_unit"),
                 type = column(h, "row_type"), group = column(h, "layer_group"), best = column(h, "best");
    const std::vector<std::pair<std::string, std::string>> expect = {
        {"A", "rs"},    {"A", "rs3x"},    {"B", "rs"},     {"B", "rs3x"},
        {"CONV", "rs"}, {"CONV", "rs3x"}, {"total", "rs"}, {"total", "rs3x"}};
    const NetworkResult& r = c.runs[0];
    for (size_t i = 0; i < expect.size(); ++i) {
        const auto& row = rows[i + 1];
        EXPECT_EQ(row[layer], expect[i].first);
        EXPECT_EQ(row[df], expect[i].second);
        EXPECT_EQ(row[type], i < 4 ? "layer" : i < 6 ? "subtotal" : "total");
        EXPECT_EQ(row[group], i < 6 ? "CONV" : "");
        EXPECT_EQ(row[best], i % 2 ? "0" : "1");  // rs: a third of the copy's energy
        const LayerResult l = i / 2 >= 2 ? r.total() : r.layers[i / 2];  // the CONV subtotal is the total
        const double f = i % 2 ? 3.0 : 1.0;
        EXPECT_EQ(std::stoull(row[macs]), l.counts.macs);
        EXPECT_EQ(std::stoull(row[dram]), dram_words(l));
        EXPECT_NEAR(std::stod(row[total]), f * l.energy.total(), 1e-5 * f * l.energy.total());  // %.6g
        EXPECT_NEAR(std::stod(row[per_mac]), f * l.energy.total() / static_cast<double>(l.counts.macs),
                    1e-5 * f * l.energy.total() / static_cast<double>(l.counts.macs));
        EXPECT_NEAR(std::stod(row[ratio]), f, 1e-6);
        EXPECT_EQ(row[unit], "pJ");
    }
}

TEST(Compare, TableShowsEachFigure) {
    const CompareResult c = with_scaled_copy("rs3x", 3.0);
    const LayerResult tot = c.runs[0].total();
    const double macs = static_cast<double>(kMacsA + kMacsB);
    char want[256];
    for (const bool wide : {false, true}) {
        SCOPED_TRACE(wide ? "wide" : "default");
        const std::string t = format_compare_table(c, nullptr, wide);
        // the total row of rs: energy/MAC, ratio, cycles, util, (EDP), ALU .. DRAM
        std::snprintf(want, sizeof want, "%7.3f %7.2f | %10llu %5.1f%%", tot.energy.total() / macs, 1.0,
                      static_cast<unsigned long long>(tot.cycles),
                      100 * macs / (static_cast<double>(tot.cycles) * 168));
        EXPECT_NE(t.find(want), std::string::npos) << want << "\n" << t;
        std::snprintf(want, sizeof want, " | %7.3f %7.3f %7.3f %7.3f %7.3f |", tot.energy.alu / macs,
                      tot.energy.level(Level::Rf) / macs, tot.energy.level(Level::Noc) / macs,
                      tot.energy.level(Level::Glb) / macs, tot.energy.level(Level::Dram) / macs);
        EXPECT_NE(t.find(want), std::string::npos) << want << "\n" << t;
        // by data type and DRAM/MAC: with --wide only
        std::snprintf(want, sizeof want, "| %7.3f %7.3f %7.3f | %9.4f |", tot.energy.type(DataType::Ifmap) / macs,
                      tot.energy.type(DataType::Filter) / macs, tot.energy.type(DataType::Psum) / macs,
                      static_cast<double>(dram_words(tot)) / macs);
        EXPECT_EQ(t.find(want) != std::string::npos, wide) << want << "\n" << t;
        std::snprintf(want, sizeof want, "%7.3f %7.2f |", 3 * tot.energy.total() / macs, 3.0);
        EXPECT_NE(t.find(want), std::string::npos) << want << "\n" << t;
        int rows = 0;
        std::stringstream ss(t);
        for (std::string line; std::getline(ss, line);)
            rows += line.rfind("A ", 0) == 0 || line.rfind("B ", 0) == 0 || line.rfind("total ", 0) == 0 ||
                    line.rfind("CONV ", 0) == 0;
        EXPECT_EQ(rows, 6);  // one group (CONV): its subtotal is the total, not repeated
        EXPECT_NE(t.find("bit-exact"), std::string::npos);
        EXPECT_NE(t.find("pJ/MAC"), std::string::npos);
    }
}

namespace {

// conv, pool, conv, fc, fc: two layer groups and a host layer between them.
Network mixed_network(const fs::path& dir) {
    const fs::path f = dir / "mixed.yaml";
    fs::create_directories(dir);
    std::ofstream(f) << "name: mixed\nlayers:\n"
                        "  - {name: C1, C: 3, H: 9, W: 9, M: 4, R: 3, S: 3, padding: 1}\n"
                        "  - {name: P1, type: pool, op: max, C: 4, H: 9, W: 9, R: 3, S: 3, stride: 2}\n"
                        "  - {name: C2, C: 4, H: 4, W: 4, M: 6, R: 3, S: 3}\n"
                        "  - {name: F1, type: fc, C: 6, H: 2, W: 2, M: 10}\n"
                        "  - {name: F2, type: fc, C: 10, M: 5}\n";
    return load_network(f.string());
}

const CompareResult& mixed_compare() {
    static const CompareResult c = [] {
        RunOptions opt;
        const fs::path dir = fs::temp_directory_path() / ("dfsim_mixed_" + std::to_string(::getpid()));
        const Network net = mixed_network(dir);
        fs::remove_all(dir);
        return run_compare(net, eyeriss(), table45(), {"ws", "os-b", "rs"}, opt);
    }();
    return c;
}

// Energy per MAC of layers `idx` summed, of run k: computed here from the layers' own results.
double group_epm(const CompareResult& c, size_t k, const std::vector<size_t>& idx) {
    double e = 0, m = 0;
    for (size_t i : idx) {
        e += c.runs[k].layers[i].energy.total();
        m += static_cast<double>(c.runs[k].layers[i].counts.macs);
    }
    return e / m;
}

// The runs of a compare with each layer's energies scaled by f[i] in a copy named `name`.
CompareResult with_scaled_layers(const CompareResult& base, const std::string& name, const std::vector<double>& f) {
    CompareResult c = base;
    NetworkResult r = c.runs.back();
    r.dataflow = name;
    for (size_t i = 0; i < r.layers.size(); ++i) {
        for (auto& row : r.layers[i].energy.by_level_type)
            for (double& e : row) e *= f[i];
        r.layers[i].energy.alu *= f[i];
    }
    c.runs.push_back(r);
    return c;
}

}  // namespace

// A host layer (the pool) is listed once, apart, in every report: no table row, no dataflow, no
// ranking, not in a layer group or the total; the others are grouped by type (CONV, FC).
TEST(Compare, HostLayersAreListedOnceAndNeverRanked) {
    const CompareResult& c = mixed_compare();
    ASSERT_EQ(c.runs.size(), 3u);
    ASSERT_EQ(c.runs[0].layers[1].executed_on, ExecutedOn::Host);
    const std::string t = format_compare_table(c);
    std::stringstream ss(t);
    int host_lines = 0;
    for (std::string line; std::getline(ss, line);) {
        EXPECT_NE(line.rfind("P1 ", 0), 0u) << line;  // no row of its own
        if (line.find("P1 (") != std::string::npos) {
            ++host_lines;
            EXPECT_EQ(line.rfind("host layers (not simulated, not ranked): P1 (max pool 3x3 stride 2 padding 0, ", 0),
                      0u)
                << line;
            EXPECT_NE(line.find(std::to_string(c.runs[0].layers[1].host_ops) + " ops)"), std::string::npos) << line;
        }
    }
    EXPECT_EQ(host_lines, 1);

    const nlohmann::json j = compare_to_json(c);
    EXPECT_EQ(j["schema_version"], 3);
    ASSERT_EQ(j["layers"].size(), 5u);
    const nlohmann::json& p = j["layers"][1];
    EXPECT_EQ(p["name"], "P1");
    EXPECT_EQ(p["executed_on"], "host");
    EXPECT_EQ(p["type"], "pool");
    EXPECT_FALSE(p.contains("results"));
    EXPECT_FALSE(p.contains("best_dataflow"));
    EXPECT_EQ(p["host_ops"].get<uint64_t>(), c.runs[0].layers[1].host_ops);
    ASSERT_EQ(j["groups"].size(), 2u);
    EXPECT_EQ(j["groups"][0]["layers"], nlohmann::json::array({"C1", "C2"}));
    EXPECT_EQ(j["groups"][1]["layers"], nlohmann::json::array({"F1", "F2"}));
    for (const size_t i : {0, 2, 3, 4}) {
        EXPECT_EQ(j["layers"][i]["executed_on"], "accelerator");
        EXPECT_EQ(j["layers"][i]["layer_group"], i < 3 ? "CONV" : "FC");
        EXPECT_EQ(j["layers"][i]["results"].size(), 3u);
    }
    // the total: the accelerator layers' MACs only
    uint64_t macs = 0;
    for (const size_t i : {0, 2, 3, 4}) macs += c.runs[0].layers[i].counts.macs;
    EXPECT_EQ(j["total"]["results"][0]["macs"].get<uint64_t>(), macs);

    const auto rows = parse_csv(compare_to_csv(c));
    const size_t layer = column(rows[0], "layer"), type = column(rows[0], "row_type"), df = column(rows[0], "dataflow"),
                 ratio = column(rows[0], "ratio_to_best"), check = column(rows[0], "output_check");
    int p_rows = 0;
    for (const auto& row : rows)
        if (row[layer] == "P1") {
            ++p_rows;
            EXPECT_EQ(row[type], "host");
            EXPECT_EQ(row[df], "");
            EXPECT_EQ(row[ratio], "");  // not ranked
            EXPECT_EQ(row[check], "host");
        }
    EXPECT_EQ(p_rows, 1);
    // 4 layers + 2 subtotals + the total, 3 dataflows each, the host row, the header
    EXPECT_EQ(rows.size(), 1u + 7 * 3 + 1);
}

// Each group's subtotal sums its layers (computed here from the layers' results), and the table
// shows the subtotals (two groups) beside the total.
TEST(Compare, SubtotalsSumTheirLayers) {
    const CompareResult& c = mixed_compare();
    const nlohmann::json j = compare_to_json(c);
    const std::vector<std::vector<size_t>> members = {{0, 2}, {3, 4}};
    for (size_t g = 0; g < 2; ++g)
        for (size_t k = 0; k < c.runs.size(); ++k) {
            const nlohmann::json& e = j["groups"][g]["results"][k];
            double energy = 0;
            uint64_t macs = 0, cycles = 0;
            for (size_t i : members[g]) {
                energy += c.runs[k].layers[i].energy.total();
                macs += c.runs[k].layers[i].counts.macs;
                cycles += c.runs[k].layers[i].cycles;
            }
            EXPECT_EQ(e["dataflow"], c.runs[k].dataflow);
            EXPECT_NEAR(e["energy"]["total"].get<double>(), energy, 1e-9 * energy);
            EXPECT_EQ(e["macs"].get<uint64_t>(), macs);
            EXPECT_EQ(e["cycles"].get<uint64_t>(), cycles);
            // EDP: energy x seconds at 200 MHz
            EXPECT_NEAR(e["edp"].get<double>(), energy * static_cast<double>(cycles) / 200e6,
                        1e-9 * energy * static_cast<double>(cycles) / 200e6);
        }
    const std::string t = format_compare_table(c);
    for (const char* name : {"CONV ", "FC ", "total "}) {
        std::stringstream ss(t);
        int n = 0;
        for (std::string line; std::getline(ss, line);) n += line.rfind(name, 0) == 0;
        EXPECT_EQ(n, 3) << name;  // a row per dataflow
    }
}

// The verdict names the lowest energy per MAC of each group and its ratio to the next best, both
// computed here: a copy of rs with its CONV layers at half the energy and its FC layers at three
// times is best for CONV but not for FC.
TEST(Compare, VerdictNamesTheLowestDataflowOfEachGroup) {
    const CompareResult c = with_scaled_layers(mixed_compare(), "mix", {0.5, 1, 0.5, 3, 3});
    const std::vector<std::string> v = compare_verdicts(c);
    ASSERT_EQ(v.size(), 3u);  // CONV, FC, total
    // CONV: the lowest of ws, os-b, rs and mix; FC: of ws, os-b, rs
    auto lowest = [&](const std::vector<size_t>& idx, size_t& best, size_t& next) {
        best = next = c.runs.size();
        for (size_t k = 0; k < c.runs.size(); ++k) {
            const double e = group_epm(c, k, idx);
            if (best == c.runs.size() || e < group_epm(c, best, idx)) {
                next = best;
                best = k;
            } else if (next == c.runs.size() || e < group_epm(c, next, idx)) {
                next = k;
            }
        }
    };
    size_t best = 0, next = 0;
    lowest({0, 2}, best, next);
    EXPECT_EQ(c.runs[best].dataflow, "mix");  // rs at half the CONV energy
    char want[200];
    std::snprintf(want, sizeof want, "CONV: mix is best, %.3g pJ/MAC, %.2fx better than %s (next best)",
                  group_epm(c, best, {0, 2}), group_epm(c, next, {0, 2}) / group_epm(c, best, {0, 2}),
                  c.runs[next].dataflow.c_str());
    EXPECT_EQ(v[0].rfind(want, 0), 0u) << v[0] << "\nwant " << want;
    lowest({3, 4}, best, next);
    ASSERT_NE(c.runs[best].dataflow, "mix");
    const double fc_ratio = group_epm(c, next, {3, 4}) / group_epm(c, best, {3, 4});
    if (fc_ratio < 1.005)  // prints as 1.00: said so
        std::snprintf(want, sizeof want, "FC: %s is best, %.3g pJ/MAC, within 1%% of %s (next best)",
                      c.runs[best].dataflow.c_str(), group_epm(c, best, {3, 4}), c.runs[next].dataflow.c_str());
    else
        std::snprintf(want, sizeof want, "FC: %s is best, %.3g pJ/MAC, %.2fx better than %s (next best)",
                      c.runs[best].dataflow.c_str(), group_epm(c, best, {3, 4}), fc_ratio,
                      c.runs[next].dataflow.c_str());
    EXPECT_EQ(v[1].rfind(want, 0), 0u) << v[1] << "\nwant " << want;
    EXPECT_EQ(v[2].rfind("total: ", 0), 0u) << v[2];
    // the same lines in the JSON and at the end of the table
    const nlohmann::json j = compare_to_json(c);
    EXPECT_EQ(j["verdicts"], nlohmann::json(v));
    EXPECT_EQ(j["groups"][0]["verdict"], v[0]);
    EXPECT_EQ(j["groups"][0]["best_dataflow"], "mix");
    EXPECT_EQ(j["total"]["verdict"], v[2]);
    const std::string t = format_compare_table(c);
    for (const std::string& line : v) EXPECT_NE(t.find("  " + line.substr(0, 60)), std::string::npos) << line;
}

// With every registered dataflow the default table fits 120 columns (the header, the context
// wrapped, every row and note); --wide is wider.
TEST(Compare, TableFits120Columns) {
    std::vector<std::string> names;
    for (const Dataflow* d : all_dataflows()) names.push_back(d->name());
    RunOptions opt;
    const fs::path dir = fs::temp_directory_path() / ("dfsim_wide_" + std::to_string(::getpid()));
    const Network net = mixed_network(dir);
    fs::remove_all(dir);
    const CompareResult c = run_compare(net, eyeriss(), table45(), names, opt);
    Provenance prov;
    prov.version = "0.1.0";
    prov.commit = "33f002e1a2b3";
    prov.command = "dfsim compare --layers all";
    prov.batch = 1;
    prov.layers = "all";
    prov.objective = "energy";
    prov.workload = "workloads/alexnet.yaml";
    prov.arch_file = "configs/arch/eyeriss.yaml";
    prov.energy_file = "configs/energy/45nm.yaml";
    size_t widest = 0, widest_wide = 0;
    std::stringstream ss(format_compare_table(c, &prov));
    for (std::string line; std::getline(ss, line);) {
        EXPECT_LE(line.size(), 120u) << line;
        widest = std::max(widest, line.size());
    }
    std::stringstream sw(format_compare_table(c, &prov, true));
    for (std::string line; std::getline(sw, line);) widest_wide = std::max(widest_wide, line.size());
    EXPECT_GT(widest_wide, widest);
    EXPECT_GT(widest, 100u);  // the table itself, not only short lines
}

// ------------------------------------------------------------------------------------------
// Command line

namespace {

class CompareCli : public TempDirTest {
protected:
    void SetUp() override {
        TempDirTest::SetUp();
        net = (dir / "net.yaml").string();
        std::ofstream(net) << "name: small\nlayers:\n"
                              "  - {name: A, C: 3, H: 9, W: 9, M: 4, R: 3, S: 3, padding: 1}\n"
                              "  - {name: B, C: 4, H: 9, W: 9, M: 6, R: 3, S: 3, stride: 2}\n";
    }
    CmdResult run(const std::string& args, const std::string& env = "") {
        return dfsim(
            "compare --arch " + src("configs/arch/eyeriss.yaml") + " --workload " + net + " --layers all " + args, env);
    }
    static bool have_gnuplot() { return std::system("gnuplot --version >/dev/null 2>&1") == 0; }
    std::string net;
};

}  // namespace

// --jobs N runs the (layer, dataflow) pairs in N worker processes: stdout (the table and, with
// --show-mapping, every mapping file entry) and the files under --out are the same bytes as one
// process's, and each pair is reported once on stderr. Workers that die before their first pair
// (DFSIM_TEST_FAULT=worker) leave the pairs to the command itself: the same bytes again. With a
// corrupted output (DFSIM_TEST_FAULT=mismatch) the workers' results carry the mismatch: exit 1.
TEST_F(CompareCli, JobsGiveTheSameReportsByteForByte) {
    const bool plots = have_gnuplot();
    auto files = [&](const std::string& name) {
        std::string all;
        if (plots)
            for (const char* f : {"compare.txt", "compare.json", "compare.csv"}) all += slurp(dir / name / f);
        return all;
    };
    auto out = [&](const std::string& name) { return plots ? " --out " + (dir / name).string() : std::string(); };
    const CmdResult one = run("--show-mapping --jobs 1" + out("one"));
    ASSERT_EQ(one.code, 0) << one.err;
    EXPECT_NE(one.out.find("mapping file entry: B:"), std::string::npos) << one.out;
    for (const auto& [jobs, env] :
         {std::pair<std::string, std::string>{"2", ""}, {"7", ""}, {"3", "DFSIM_TEST_FAULT=worker"}}) {
        SCOPED_TRACE("--jobs " + jobs + " " + env);
        const std::string name = "jobs" + jobs;
        const CmdResult r = run("--show-mapping --jobs " + jobs + out(name), env);
        ASSERT_EQ(r.code, 0) << r.err;
        EXPECT_EQ(masked_report(r.out), masked_report(one.out));
        EXPECT_EQ(masked_report(files(name)), masked_report(files("one")));  // another --jobs and --out
        for (const char* layer : {"A", "B"})
            for (const char* df : {"ws", "os-a", "os-b", "os-c", "nlr", "rs"}) {
                const std::string line = std::string("dfsim compare: ") + layer + " " + df + " ";
                size_t n = 0;
                for (size_t at = r.err.find(line); at != std::string::npos; at = r.err.find(line, at + 1)) ++n;
                EXPECT_EQ(n, 1u) << line << "\n" << r.err;
            }
        for (int k = 1; k <= 12; ++k)  // each pair is counted once as it finishes: K of N
            EXPECT_NE(r.err.find(" (" + std::to_string(k) + " of 12), "), std::string::npos) << k << "\n" << r.err;
    }
    const CmdResult bad1 = run("--jobs 1", "DFSIM_TEST_FAULT=mismatch"),
                    bad2 = run("--jobs 2", "DFSIM_TEST_FAULT=mismatch");
    EXPECT_EQ(bad1.code, 1);
    EXPECT_EQ(bad2.code, 1);
    EXPECT_EQ(masked_report(bad2.out), masked_report(bad1.out));
}

// --max-memory counts every worker: a limit 1.5 times the largest layer's estimate lets one
// process run and refuses two (exit 2, naming the workers and --jobs), before anything runs.
TEST_F(CompareCli, MemoryGuardCountsTheWorkers) {
    const Network n = load_network(net);
    const ArchParams a = load_arch(src("configs/arch/eyeriss.yaml"));
    uint64_t most = 0;
    for (const char* df : {"ws", "os-a", "os-b", "os-c", "nlr", "rs"})
        for (const Layer& l : n.layers)
            most = std::max(most, estimate_layer_memory(l, a.for_dataflow(df), RunModel::Simulation));
    const std::string limit = " --max-memory " + std::to_string(most * 3 / 2);
    EXPECT_EQ(run("--jobs 1" + limit).code, 0);
    const CmdResult two = run("--jobs 2" + limit);
    EXPECT_EQ(two.code, 2);
    EXPECT_NE(two.err.find("in each of 2 worker processes"), std::string::npos) << two.err;
    EXPECT_NE(two.err.find("--jobs"), std::string::npos) << two.err;
    EXPECT_EQ(two.err.find("dfsim compare: A"), std::string::npos) << two.err;  // nothing ran
}

TEST_F(CompareCli, BadDataflowListsExitTwoNamingTheName) {
    const std::string out = (dir / "out").string();
    struct Bad {
        std::string list, expect;
    };
    for (const Bad& b : {Bad{"rs,rs", "dataflow 'rs' is listed twice"}, Bad{"rs,xyz", "unknown dataflow 'xyz'"},
                         Bad{"xyz", "unknown dataflow 'xyz': expected one of {"}, Bad{"rs,", "empty dataflow name"}}) {
        SCOPED_TRACE(b.list);
        CmdResult r = run("--dataflows " + b.list + " --out " + out);
        EXPECT_EQ(r.code, 2);
        EXPECT_NE(r.err.find("dfsim: error: command line: field '--dataflows': " + b.expect), std::string::npos)
            << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
        EXPECT_TRUE(r.out.empty());
        EXPECT_FALSE(fs::exists(out));
    }
}

TEST_F(CompareCli, DefaultIsEveryRegisteredDataflowAndBatchApplies) {
    if (!have_gnuplot()) GTEST_SKIP() << "gnuplot is not installed (Debian package gnuplot-nox)";
    CmdResult r = run("--batch 2 --no-check --seed 3 --objective cycles --out " + (dir / "o").string());
    ASSERT_EQ(r.code, 0) << r.err;
    const auto j = nlohmann::json::parse(slurp(dir / "o" / "compare.json"));
    nlohmann::json names = nlohmann::json::array();
    for (const Dataflow* d : all_dataflows()) names.push_back(d->name());
    EXPECT_EQ(j["dataflows"], names);
    // A: 2 x 4 x 9 x 9 x 3 x 3 x 3, B: 2 x 6 x 4 x 4 x 4 x 3 x 3 (E = F = (9 - 3) / 2 + 1 = 4)
    EXPECT_EQ(j["layers"][0]["results"][0]["macs"].get<uint64_t>(), 2ull * 4 * 9 * 9 * 3 * 3 * 3);
    EXPECT_EQ(j["layers"][1]["results"][0]["macs"].get<uint64_t>(), 2ull * 6 * 4 * 4 * 4 * 3 * 3);
    EXPECT_EQ(j["total"]["results"][0]["output_check"], "skipped");
    // one progress line per layer and dataflow
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), static_cast<long>(2 * names.size())) << r.err;
}

// dfsim compare names the timing model of its runs: the table's header line (stdout and
// compare.txt), compare.json's top level, every compare.csv row and the HTML header; `pass`
// without --timing.
TEST_F(CompareCli, ReportsNameTheTimingModel) {
    const CmdResult def = run("--dataflows rs");
    ASSERT_EQ(def.code, 0) << def.err;
    const std::string first = def.out.substr(0, def.out.find('\n'));
    EXPECT_NE(first.find(", timing pass (pass-level model)"), std::string::npos) << first;
    if (!have_gnuplot()) GTEST_SKIP() << "gnuplot is not installed (Debian package gnuplot-nox)";
    const fs::path out = dir / "cmp", html = dir / "c.html";
    const CmdResult r = run("--dataflows ws,rs --timing cycle --out " + out.string() + " --html " + html.string());
    ASSERT_EQ(r.code, 0) << r.err;
    const std::string header =
        "dfsim compare: small on eyeriss, energy table 45nm-horowitz (pJ), 2 dataflows, timing cycle (cycle-level "
        "engine)\n";
    EXPECT_EQ(r.out.substr(0, header.size()), header);
    EXPECT_EQ(slurp(out / "compare.txt"), r.out);
    const auto j = nlohmann::json::parse(slurp(out / "compare.json"));
    EXPECT_EQ(j["timing"], "cycle");
    EXPECT_FALSE(j["layers"][0]["results"][0].contains("timing"));  // once, at the top level
    const auto rows = parse_csv(slurp(out / "compare.csv"));
    ASSERT_EQ(rows.size(), 9u);  // header, 2 layers x 2 dataflows, 2 CONV subtotals, 2 totals
    const size_t col = column(rows[0], "timing");
    for (size_t i = 1; i < rows.size(); ++i) EXPECT_EQ(rows[i].at(col), "cycle") << i;
    EXPECT_NE(slurp(html).find("<dt>timing</dt><dd>cycle (cycle-level engine)</dd>"), std::string::npos);
}

TEST_F(CompareCli, OutWritesReportsAndPlots) {
    if (!have_gnuplot()) GTEST_SKIP() << "gnuplot is not installed (Debian package gnuplot-nox)";
    const fs::path out = dir / "new" / "cmp";
    CmdResult r = run("--dataflows rs --out " + out.string());
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(slurp(out / "compare.txt"), r.out);
    EXPECT_NE(r.out.find("bit-exact"), std::string::npos);
    const auto j = nlohmann::json::parse(slurp(out / "compare.json"));
    EXPECT_EQ(j["dataflows"], nlohmann::json::array({"rs"}));
    EXPECT_EQ(j["layers"].size(), 2u);
    const std::string csv = slurp(out / "compare.csv");
    EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 5);  // header, A, B, the CONV subtotal, total
    for (const char* base : {"energy_by_level", "energy_by_type", "latency_edp"}) {
        SCOPED_TRACE(base);
        const std::string png = slurp(out / (std::string(base) + ".png"));
        ASSERT_GE(png.size(), 8u);
        EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
        EXPECT_NE(slurp(out / (std::string(base) + ".svg")).find("<svg"), std::string::npos);
        EXPECT_TRUE(fs::exists(out / (std::string(base) + ".gp")));
        EXPECT_NE(slurp(out / (std::string(base) + ".dat")).find("\trs\tA\t"), std::string::npos);
    }
    for (const auto& e : fs::directory_iterator(out))
        EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << e.path();
}

// The charts' data: one panel per layer group (CONV, FC) and the total, each group's bars one per
// dataflow, the host layer nowhere, and in each layer, subtotal and total exactly one bar marked
// best: the lowest (energy per MAC; latency; EDP) of its group, recomputed here from compare.json.
TEST_F(CompareCli, ChartsGroupTheLayersAndMarkEachBest) {
    if (!have_gnuplot()) GTEST_SKIP() << "gnuplot is not installed (Debian package gnuplot-nox)";
    std::ofstream(net) << "name: small\nlayers:\n"
                          "  - {name: A, C: 3, H: 9, W: 9, M: 4, R: 3, S: 3, padding: 1}\n"
                          "  - {name: P, type: pool, op: max, C: 4, H: 9, W: 9, R: 3, S: 3, stride: 2}\n"
                          "  - {name: B, C: 4, H: 4, W: 4, M: 6, R: 3, S: 3}\n"
                          "  - {name: F, type: fc, C: 6, H: 2, W: 2, M: 10}\n";
    const fs::path out = dir / "cmp";
    const CmdResult r = run("--dataflows ws,os-b,rs --out " + out.string());
    ASSERT_EQ(r.code, 0) << r.err;
    const auto j = nlohmann::json::parse(slurp(out / "compare.json"));
    // each group's results by name: layers, subtotals, total
    std::map<std::string, nlohmann::json> results;
    for (const auto& g : j["layers"])
        if (g.contains("results")) results[g["name"]] = g["results"];
    for (const auto& g : j["groups"]) results[g["name"]] = g["results"];
    results["total"] = j["total"]["results"];
    struct Row {
        int panel;
        std::string dataflow, layer;
        double total;
        int best;
    };
    auto rows_of = [&](const std::string& base) {
        std::vector<Row> rows;
        std::stringstream ss(slurp(out / (base + ".dat")));
        int panel = -1;
        for (std::string line; std::getline(ss, line);) {
            if (line.rfind("# panel ", 0) == 0) ++panel;
            if (line.empty() || line[0] == '#') continue;
            std::vector<std::string> f;
            std::stringstream ls(line);
            for (std::string c; std::getline(ls, c, '\t');) f.push_back(c);
            rows.push_back({panel, f[1], f[2], std::stod(f[f.size() - 3]), std::stoi(f[f.size() - 2])});
        }
        return rows;
    };
    // energy charts: CONV (A, B, its subtotal), FC (F alone: no subtotal), total
    for (const char* base : {"energy_by_level", "energy_by_type"}) {
        SCOPED_TRACE(base);
        const std::vector<Row> rows = rows_of(base);
        const std::vector<std::pair<int, std::string>> want = {{0, "A"}, {0, "B"}, {0, "CONV"}, {1, "F"}, {2, "total"}};
        ASSERT_EQ(rows.size(), want.size() * 3);
        for (size_t i = 0; i < rows.size(); ++i) {
            EXPECT_EQ(rows[i].panel, want[i / 3].first) << i;
            EXPECT_EQ(rows[i].layer, want[i / 3].second) << i;
            EXPECT_NE(rows[i].layer, "P");
            const nlohmann::json& e = results[rows[i].layer][i % 3];
            EXPECT_EQ(rows[i].dataflow, e["dataflow"]);
            EXPECT_NEAR(rows[i].total, e["energy_per_mac"].get<double>(), 1e-5 * e["energy_per_mac"].get<double>());
        }
        for (size_t g = 0; g < want.size(); ++g) {
            const nlohmann::json& res = results[want[g].second];
            size_t lowest = 0;
            for (size_t k = 1; k < 3; ++k)
                if (res[k]["energy_per_mac"].get<double>() < res[lowest]["energy_per_mac"].get<double>()) lowest = k;
            for (size_t k = 0; k < 3; ++k) EXPECT_EQ(rows[g * 3 + k].best, k == lowest ? 1 : 0) << want[g].second << k;
        }
    }
    // latency and EDP: CONV layers, FC layers, then the subtotals and the total; a panel each
    const std::vector<Row> rows = rows_of("latency_edp");
    const std::vector<std::pair<int, std::vector<std::string>>> panels = {{0, {"A", "B"}},
                                                                          {1, {"A", "B"}},
                                                                          {2, {"F"}},
                                                                          {3, {"F"}},
                                                                          {4, {"CONV", "FC", "total"}},
                                                                          {5, {"CONV", "FC", "total"}}};
    size_t i = 0;
    for (const auto& [panel, layers] : panels)
        for (const std::string& layer : layers) {
            const nlohmann::json& res = results[layer];
            const bool edp = panel % 2 == 1;
            auto value = [&](size_t k) {
                return edp ? res[k]["edp"].get<double>() : res[k]["latency_ms"].get<double>();
            };
            size_t lowest = 0;
            for (size_t k = 1; k < 3; ++k)
                if (value(k) < value(lowest)) lowest = k;
            for (size_t k = 0; k < 3; ++k, ++i) {
                ASSERT_LT(i, rows.size());
                EXPECT_EQ(rows[i].panel, panel);
                EXPECT_EQ(rows[i].layer, layer);
                EXPECT_EQ(rows[i].best, k == lowest ? 1 : 0) << layer << " " << k << (edp ? " EDP" : " latency");
                if (!edp) {
                    EXPECT_NEAR(rows[i].total, value(k), 1e-5 * value(k));
                }
            }
        }
    EXPECT_EQ(i, rows.size());
}

TEST_F(CompareCli, MissingOrFailingGnuplotExitsTwoWithoutPlotsOrReports) {
    const fs::path out = dir / "out";
    // missing: nothing simulated, nothing written
    CmdResult r = run("--dataflows rs --out " + out.string(), "PATH=" + (dir / "empty").string());
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("'gnuplot --version' failed"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("gnuplot-nox"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(out));
    // failing: a gnuplot that answers --version but fails to plot
    const fs::path bin = dir / "bin";
    fs::create_directories(bin);
    std::ofstream(bin / "gnuplot") << "#!/bin/sh\n[ \"$1\" = --version ] && { echo 'gnuplot 0'; exit 0; }\n"
                                      "echo 'plot: broken on purpose' >&2\nexit 3\n";
    fs::permissions(bin / "gnuplot", fs::perms::owner_all);
    r = run("--dataflows rs --out " + out.string(), "PATH=" + bin.string() + ":/usr/bin:/bin");
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("gnuplot failed (exit 3) on the command"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("energy_by_level.gp"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("broken on purpose"), std::string::npos) << r.err;
    for (const char* f : {"compare.json", "compare.csv", "compare.txt", "energy_by_level.png", "energy_by_level.svg",
                          "energy_by_type.png"})
        EXPECT_FALSE(fs::exists(out / f)) << f;
    for (const auto& e : fs::directory_iterator(out))
        EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << e.path();
}

// An interrupted comparison resumes: results an earlier run left are loaded (not simulated) when
// their inputs match, and simulated again when a file is damaged or an input (the seed, the
// timing model) changed.
TEST(Compare, RerunResumesFromStoredResults) {
    const fs::path dir = fs::temp_directory_path() / ("dfsim_resume_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    const Network net = small_network();
    const std::vector<std::string> dfs{"ws", "os-b", "rs"};
    RunOptions opt;
    auto run = [&](const RunOptions& o, std::string& log) {
        std::ostringstream progress;
        CompareResult c = run_compare(net, small_arch(), table45(), dfs, o, &progress, dir.string());
        log = progress.str();
        return c;
    };
    auto count = [](const std::string& log, const std::string& what) {
        size_t n = 0;
        for (size_t p = log.find(what); p != std::string::npos; p = log.find(what, p + 1)) ++n;
        return n;
    };
    std::string log1, log2, log3, log4;
    const CompareResult first = run(opt, log1);
    const size_t pairs = net.layers.size() * dfs.size();
    EXPECT_EQ(count(log1, "(resumed)"), 0u);
    const CompareResult second = run(opt, log2);
    EXPECT_EQ(count(log2, "(resumed)"), pairs) << log2;
    for (size_t i = 0; i < dfs.size(); ++i)
        for (size_t k = 0; k < net.layers.size(); ++k) {
            const LayerResult& a = first.runs[i].layers[k];
            const LayerResult& b = second.runs[i].layers[k];
            EXPECT_TRUE(a.counts == b.counts);
            EXPECT_EQ(a.cycles, b.cycles);
            EXPECT_EQ(a.energy.total(), b.energy.total());  // recomputed from the counts: the same bits
            EXPECT_EQ(a.mapping, b.mapping);
            EXPECT_EQ(b.output_check, OutputCheck::BitExact);
        }
    // the counts are stored by name, one field per registered counter (base/stats.h)
    const fs::path named = dir / (net.layers[0].name + ".ws.json");
    nlohmann::json stored = nlohmann::json::parse(std::ifstream(named));
    const nlohmann::json& counts = stored["result"]["counts"];
    ASSERT_TRUE(counts.is_object()) << counts;
    EXPECT_EQ(counts.size(), counters().size());
    for (const Counter& k : counters()) EXPECT_EQ(counts.at(k.name), k.of(first.runs[0].layers[0].counts)) << k.name;
    // a file without one of them (written by another version) is simulated again
    stored["result"]["counts"].erase("psum_adds");
    std::ofstream(named) << stored.dump();
    // a damaged file (cut short, as a crash mid-write would leave it without atomic writes)
    const fs::path victim = dir / (net.layers[0].name + ".os-b.json");
    ASSERT_TRUE(fs::exists(victim));
    fs::resize_file(victim, fs::file_size(victim) / 2);
    run(opt, log3);
    EXPECT_EQ(count(log3, "(resumed)"), pairs - 2) << log3;
    // another seed: other data, nothing reused
    opt.seed_offset = 7;
    run(opt, log4);
    EXPECT_EQ(count(log4, "(resumed)"), 0u) << log4;
    // the other timing model: nothing reused; its results say so, also when loaded back
    opt.timing = Timing::Cycle;
    std::string log5, log6;
    const CompareResult cycle = run(opt, log5);
    EXPECT_EQ(count(log5, "(resumed)"), 0u) << log5;
    const CompareResult cycle_again = run(opt, log6);
    EXPECT_EQ(count(log6, "(resumed)"), pairs) << log6;
    for (const CompareResult* c : {&cycle, &cycle_again})
        for (const NetworkResult& r : c->runs)
            for (const LayerResult& l : r.layers) EXPECT_EQ(l.timing, Timing::Cycle) << r.dataflow << " " << l.name;
    fs::remove_all(dir);
}

namespace dfsim::test {
namespace {

// compare reports what each dataflow's mapper did (issue 12, mapper statistics in every report):
// LeNet-5's five conv/fc layers (its two pools are host work, not mapped), each mapped once per
// dataflow, in runs[].mapper and in a line per dataflow after the table. With --jobs 2 the layers'
// results, their mapper statistics with them, come back from the workers' files.
TEST_F(TempDirTest, CompareGivesEachDataflowsMapperStatistics) {
    const CmdResult r = dfsim("compare --workload " + src("workloads/lenet5.yaml") +
                              " --layers all --dataflows ws,rs --jobs 2 --out " + (dir / "c").string());
    ASSERT_EQ(r.code, 0) << r.err;
    const nlohmann::json j = nlohmann::json::parse(slurp(dir / "c/compare.json"));
    ASSERT_EQ(j["runs"].size(), 2u);
    for (const nlohmann::json& run : j["runs"]) {
        const nlohmann::json& m = run["mapper"];
        EXPECT_EQ(m["layers_mapped"], 5) << run["dataflow"];
        EXPECT_EQ(m["cache_hits"], 0);  // no two layers alike
        EXPECT_GT(m["candidates"].get<uint64_t>(), m["invalid"].get<uint64_t>());
        EXPECT_GE(m["estimated_in_full"].get<uint64_t>(), 5u);  // at least the pick of each layer
        // the searches' host time: measured (above 0), and in the text as the JSON gives it
        const double seconds = m["host_seconds"].get<double>();
        EXPECT_GT(seconds, 0.0);
        char in[64];
        std::snprintf(in, sizeof in, " in %.3f s of host time, ", seconds);
        const std::string line = "  " + run["dataflow"].get<std::string>() + ": 5 layers mapped (0 cached)" + in +
                                 std::to_string(m["candidates"].get<uint64_t>()) + " candidates";
        EXPECT_NE(r.out.find("\nmapper, per dataflow:\n"), std::string::npos) << r.out;
        EXPECT_NE(r.out.find(line), std::string::npos) << line << "\n" << r.out;
    }
}

}  // namespace
}  // namespace dfsim::test
