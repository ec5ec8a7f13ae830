// The figures registry and the writers' layouts (report/figures.h): every counter shows up in the
// run report's outputs its registry entry names (and in no other), every storage level in every
// writer's level columns, and docs/report.md holds exactly the tables rendered from them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "base/stats.h"
#include "report/compare_report.h"
#include "report/figures.h"
#include "report/report.h"
#include "tests/test_util.h"

namespace dfsim {
namespace {

uint64_t value_of(size_t i) { return 900037 + 1009 * static_cast<uint64_t>(i); }  // distinct, found nowhere else

// One accelerator layer whose counters all differ (counter i is value_of(i)).
NetworkResult distinct_counts_run() {
    NetworkResult r;
    r.network = "net";
    r.arch = "arch";
    r.dataflow = "rs";
    r.energy_table = "table";
    LayerResult l;
    l.name = "L1";
    for (size_t i = 0; i < counters().size(); ++i) counters()[i].of(l.counts) = value_of(i);
    l.cycles = 5;
    r.layers.push_back(l);
    return r;
}

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    for (std::string v; std::getline(ss, v, sep);) out.push_back(v);
    return out;
}

TEST(Figures, EveryCounterIsWhereTheRegistrySaysAndNowhereElse) {
    const NetworkResult r = distinct_counts_run();
    const nlohmann::json layer = to_json(r)["layers"][0];
    const std::vector<std::string> csv = split(to_csv(r), '\n');
    const std::vector<std::string> header = split(csv.at(0), ','), row = split(csv.at(1), ',');
    ASSERT_EQ(header.size(), row.size());
    const std::string text = format_table(r);
    for (size_t i = 0; i < counters().size(); ++i) {
        const Counter& k = counters()[i];
        const std::string v = std::to_string(value_of(i));
        std::string path;
        for (const std::string& p : k.json_path()) path += (path.empty() ? "" : ".") + p;
        if (k.outputs & kInJson)
            EXPECT_EQ(json_path_value(layer, path), value_of(i)) << k.name << " at " << path;
        else
            EXPECT_EQ(layer.dump().find(":" + v), std::string::npos) << k.name << " is in the JSON";
        const auto col = std::find(header.begin(), header.end(), k.name);
        if (k.outputs & kInCsv) {
            ASSERT_NE(col, header.end()) << k.name << " has no CSV column";
            EXPECT_EQ(row[static_cast<size_t>(col - header.begin())], v) << k.name;
        } else {
            EXPECT_EQ(col, header.end()) << k.name << " is a CSV column";
            EXPECT_EQ(std::find(row.begin(), row.end(), v), row.end()) << k.name << " is in the CSV";
        }
        EXPECT_EQ(text.find(v) != std::string::npos, (k.outputs & kInText) != 0) << k.name << " in the text:\n" << text;
    }
}

// Every level and data type has its columns in every writer: a new level needs no writer change.
TEST(Figures, EveryLevelAndTypeIsInEveryLayout) {
    auto has_json = [](const std::vector<Field>& f, const std::string& path) {
        return std::any_of(f.begin(), f.end(), [&](const Field& x) { return x.json == path; });
    };
    auto has_csv = [](const std::vector<Field>& f, const std::string& col) {
        return std::any_of(f.begin(), f.end(), [&](const Field& x) { return x.csv == col; });
    };
    auto has_header = [](const std::vector<Column>& c, const std::string& h) {
        return std::any_of(c.begin(), c.end(), [&](const Column& x) { return x.header == h; });
    };
    for (Level l : kLevels) {
        const std::string n(to_string(l));
        SCOPED_TRACE(n);
        EXPECT_TRUE(has_json(run_fields(), "energy." + n));
        EXPECT_TRUE(has_csv(run_fields(), "energy_" + n));
        EXPECT_TRUE(has_json(compare_fields(), "energy_per_mac_by_level." + n));
        EXPECT_TRUE(has_csv(compare_fields(), "per_mac_" + n));
        EXPECT_TRUE(has_json(sweep_fields(), "energy_per_mac_by_level." + n));
        EXPECT_TRUE(has_csv(sweep_fields(), "energy_per_mac_" + n));  // per MAC, said in its name
        EXPECT_FALSE(has_csv(sweep_fields(), n));
        EXPECT_TRUE(has_header(run_table_columns(EnergyUnit::Pj, 8), level_style(l).label));
        EXPECT_TRUE(has_header(compare_table_columns(EnergyUnit::Pj, 8, 8), level_style(l).compare_label));
        for (DataType t : kDataTypes) {
            const std::string a = n + "_" + std::string(to_string(t));
            EXPECT_TRUE(has_csv(run_fields(), a + "_reads") && has_csv(run_fields(), a + "_writes")) << a;
            EXPECT_TRUE(has_json(compare_fields(), "accesses." + n + "." + std::string(to_string(t)) + ".reads")) << a;
        }
    }
    for (DataType t : kDataTypes) {
        const std::string n(to_string(t));
        EXPECT_TRUE(has_json(run_fields(), "energy_by_type." + n)) << n;
        EXPECT_TRUE(has_csv(compare_fields(), "per_mac_" + n)) << n;
        EXPECT_TRUE(has_csv(sweep_fields(), "energy_per_mac_" + n)) << n;
    }
}

// The run CSV keeps its columns; a CSV or JSON name appears once per layout.
TEST(Figures, LayoutsNameEachFieldOnce) {
    for (const auto& [what, fields] :
         {std::pair{"run", run_fields()}, std::pair{"compare", compare_fields()}, std::pair{"sweep", sweep_fields()}}) {
        std::set<std::string> json, csv;
        for (const Field& f : fields) {
            ASSERT_NE(f.figure, nullptr) << what;
            EXPECT_TRUE(f.json.empty() || json.insert(f.json).second) << what << " " << f.json;
            EXPECT_TRUE(f.csv.empty() || csv.insert(f.csv).second) << what << " " << f.csv;
        }
    }
    std::set<std::string> names;
    for (const Figure& f : figures()) EXPECT_TRUE(names.insert(f.name).second) << f.name;
    EXPECT_EQ(csv_header(run_fields()).substr(0, 50), "layer,macs,gated_macs,cycles,utilization,dram_ifma");
}

// docs/report.md: each table sits between `<!-- table: NAME -->` and `<!-- end table -->`.
// DFSIM_UPDATE_DOCS=1 rewrites them from the registry (review the diff).
TEST(Figures, DocsHoldTheRenderedTables) {
    const std::string path = test::src("docs/report.md");
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string doc = ss.str();
    const std::vector<std::pair<std::string, std::string>> tables = {
        {"run_json", markdown_fields(run_fields(), true)},
        {"counters", markdown_counters()},
        {"access_counts", markdown_access_counts()},
        {"run_csv", markdown_fields(run_fields(), false)},
        {"compare_json", markdown_fields(compare_fields(), true)},
        {"compare_csv", markdown_fields(compare_fields(), false)},
        {"sweep", markdown_fields(sweep_fields(), true)},
        {"sweep_csv", markdown_fields(sweep_fields(), false)},
    };
    const bool update = std::getenv("DFSIM_UPDATE_DOCS") != nullptr;
    for (const auto& [name, table] : tables) {
        const std::string open = "<!-- table: " + name + " -->\n", close = "<!-- end table -->";
        const size_t a = doc.find(open);
        ASSERT_NE(a, std::string::npos) << "docs/report.md has no " << open;
        const size_t b = doc.find(close, a);
        ASSERT_NE(b, std::string::npos) << name;
        const size_t from = a + open.size();
        const std::string block = "\n" + table + "\n";  // blank lines around the table
        if (update)
            doc.replace(from, b - from, block);
        else
            EXPECT_EQ(doc.substr(from, b - from), block) << name << ": run with DFSIM_UPDATE_DOCS=1 to render it";
    }
    // the CSV column counts the text gives
    const size_t run_columns = split(csv_header(run_fields()), ',').size();
    const size_t compare_columns = split(csv_header(compare_fields()), ',').size();
    EXPECT_NE(doc.find("There are " + std::to_string(run_columns) + " columns"), std::string::npos);
    EXPECT_NE(doc.find("There are " + std::to_string(compare_columns) + " columns"), std::string::npos);
    if (update) std::ofstream(path) << doc;
}

}  // namespace
}  // namespace dfsim

namespace dfsim::test {
namespace {

// One vocabulary (issue 15): a storage level has one name in every report (run and compare
// tables, compare and sweep charts; the NoC was "array" in compare), and no JSON key or CSV column
// names a unit that the normalized energy table would make untrue (they ended in "_pj").
TEST(Figures, OneNamePerLevelAndNoUnitInTheEnergyKeys) {
    for (Level l : kLevels) {
        const LevelStyle s = level_style(l);
        EXPECT_EQ(s.compare_label, s.label);
        EXPECT_EQ(s.plot_title, s.label);
    }
    EXPECT_EQ(level_style(Level::Noc).label, "NoC");
    for (const auto& fields : {run_fields(), compare_fields(), sweep_fields()})
        for (const Field& f : fields) {
            EXPECT_EQ(f.json.find("_pj"), std::string::npos) << f.json;
            EXPECT_EQ(f.csv.find("_pj"), std::string::npos) << f.csv;
        }
}

}  // namespace
}  // namespace dfsim::test
