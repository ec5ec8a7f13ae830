// CSV per RFC 4180 (base/csv.h): names with commas, double quotes and line breaks stay one field
// in run --csv's report, compare.csv and sweep's results.csv, read back by an independent reader
// (Python's csv module in strict mode, tests/read_csv.py).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "base/atomic_file.h"
#include "base/csv.h"
#include "report/compare_report.h"
#include "report/report.h"
#include "study/compare.h"
#include "study/sweep.h"
#include "tests/cli_fixture.h"
#include "tests/test_util.h"
#include "workload/formats/scalesim.h"

using namespace dfsim;
using namespace dfsim::test;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kNames = {"a,b", "q\"uo\"te", "new\nline", "cr\rlf\r\n", " spaced, \"both\"\n"};

class Csv : public TempDirTest {
protected:
    static bool have_python() { return std::system("python3 -c 'import csv' >/dev/null 2>&1") == 0; }
    // The rows of `file` as Python's csv module reads them (strict: a malformed file fails).
    std::vector<std::vector<std::string>> read_back(const fs::path& file) {
        const fs::path json = dir / "rows.json";
        const std::string cmd = "python3 " + src("tests/read_csv.py") + " '" + file.string() + "' > '" + json.string() +
                                "' 2> '" + (dir / "py.err").string() + "'";
        EXPECT_EQ(std::system(cmd.c_str()), 0) << slurp(dir / "py.err");
        return nlohmann::json::parse(slurp(json)).get<std::vector<std::vector<std::string>>>();
    }
    // Every row as long as the header; the values of column `name`, header dropped.
    static std::vector<std::string> column(const std::vector<std::vector<std::string>>& rows, const std::string& name) {
        EXPECT_FALSE(rows.empty());
        const auto& h = rows.front();
        const size_t k = static_cast<size_t>(std::find(h.begin(), h.end(), name) - h.begin());
        EXPECT_LT(k, h.size()) << name;
        std::vector<std::string> out;
        for (size_t r = 1; r < rows.size(); ++r) {
            EXPECT_EQ(rows[r].size(), h.size()) << "row " << r;
            if (k < rows[r].size()) out.push_back(rows[r][k]);
        }
        return out;
    }
    static Network hostile_network() {
        Network net;
        net.name = "csv";
        for (const std::string& n : kNames) net.layers.push_back(conv(n, 2, 6, 6, 3, 3, 3));
        return net;
    }
};

}  // namespace

TEST(CsvField, QuotesOnlyWhatNeedsItAndDoublesQuotes) {
    EXPECT_EQ(csv_field("conv1"), "conv1");
    EXPECT_EQ(csv_field(""), "");
    EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
    EXPECT_EQ(csv_field("q\"x"), "\"q\"\"x\"");
    EXPECT_EQ(csv_field("l\nm"), "\"l\nm\"");
    EXPECT_EQ(csv_field("c\rd"), "\"c\rd\"");
    EXPECT_EQ(csv_line({"a", "b,c", ""}), "a,\"b,c\",\n");
}

// run --csv's writer (report/report.h to_csv): one row per layer plus the total, names intact.
TEST_F(Csv, RunReportReadsBackWithItsNames) {
    if (!have_python()) GTEST_SKIP() << "python3 is not installed";
    const NetworkResult r = simulate_network(hostile_network(), small_arch(), table45(), RunOptions{});
    write_file_atomic((dir / "run.csv").string(), to_csv(r));
    std::vector<std::string> want = kNames;
    want.push_back("total");
    EXPECT_EQ(column(read_back(dir / "run.csv"), "layer"), want);
}

// compare.csv's writer: a row per layer and dataflow plus the totals, names intact.
TEST_F(Csv, CompareCsvReadsBackWithItsNames) {
    if (!have_python()) GTEST_SKIP() << "python3 is not installed";
    const CompareResult c = run_compare(hostile_network(), small_arch(), table45(), {"ws", "rs"}, RunOptions{});
    write_file_atomic((dir / "compare.csv").string(), compare_to_csv(c));
    const auto rows = read_back(dir / "compare.csv");
    const std::vector<std::string> layers = column(rows, "layer");
    for (const std::string& n : kNames) EXPECT_EQ(std::count(layers.begin(), layers.end(), n), 2) << n;
    EXPECT_EQ(layers.size(), 2 * kNames.size() + 2 + 2);  // the layers, the CONV subtotal and the total, 2 dataflows
}

// sweep's results.csv: a point's status holding commas, quotes and line breaks (as an error
// message may) stays one field of its row.
TEST_F(Csv, SweepResultsReadBackWithTheirStrings) {
    if (!have_python()) GTEST_SKIP() << "python3 is not installed";
    SweepSpec spec;
    spec.arch_file = src("configs/arch/eyeriss.yaml");
    spec.energy_file = src("configs/energy/45nm.yaml");
    spec.workload_file = write("net.yaml", "name: n\nlayers:\n  - {name: A, C: 2, H: 6, W: 6, M: 3, R: 3, S: 3}\n");
    spec.layers = "all";
    spec.dataflows = {"ws", "rs"};
    const fs::path out = dir / "out";
    run_sweep(spec, out.string(), 1);
    const std::string status = "error: " + kNames[4] + kNames[0] + kNames[2];
    const fs::path p = out / "points" / "1.json";
    nlohmann::json stored = nlohmann::json::parse(slurp(p));
    stored["row"]["status"] = status;
    std::ofstream(p) << stored.dump();
    EXPECT_EQ(run_sweep(spec, out.string(), 1).resumed, 2);  // results.csv rebuilt from the point files
    const auto rows = read_back(out / "results.csv");
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(column(rows, "status"), (std::vector<std::string>{"ok", status}));
    EXPECT_EQ(column(rows, "dataflow"), (std::vector<std::string>{"ws", "rs"}));
}

// SCALE-Sim's topology format takes no quotes: a name that would need them is refused.
TEST(CsvField, ScaleSimExportRefusesNamesItCannotHold) {
    Network net;
    net.name = "n";
    net.layers = {conv("a,b", 2, 6, 6, 3, 3, 3)};
    EXPECT_THROW(to_scalesim_csv(net), UserError);
    net.layers[0].name = "plain";
    EXPECT_NE(to_scalesim_csv(net).find("\nplain, "), std::string::npos);
}
