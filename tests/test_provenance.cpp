// Provenance (issue 15): every report of run and compare names the build, the exact command line
// and the settings behind its figures (seed, batch, timing model, objective, layers, files), and
// run gives the per-image latency and throughput beside the totals. The values are checked against
// the command line that was given and against hand arithmetic over the reported cycles.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "base/version.h"
#include "report/provenance.h"
#include "tests/cli_fixture.h"
#include "tests/test_util.h"

using namespace dfsim;
using namespace dfsim::test;

namespace {

// RFC 4180 rows (quoted fields may hold commas), enough for the reports' CSV.
std::vector<std::vector<std::string>> csv_rows(const std::string& text) {
    std::vector<std::vector<std::string>> rows(1, std::vector<std::string>(1));
    bool quoted = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char ch = text[i];
        if (quoted && ch == '"' && i + 1 < text.size() && text[i + 1] == '"') {
            rows.back().back() += '"';
            ++i;
        } else if (ch == '"') {
            quoted = !quoted;
        } else if (ch == ',' && !quoted) {
            rows.back().emplace_back();
        } else if (ch == '\n' && !quoted) {
            rows.emplace_back(1);
        } else {
            rows.back().back() += ch;
        }
    }
    rows.pop_back();  // after the last "\n"
    return rows;
}

std::string cell(const std::vector<std::vector<std::string>>& rows, size_t row, const std::string& column) {
    for (size_t c = 0; c < rows[0].size(); ++c)
        if (rows[0][c] == column) return rows.at(row).at(c);
    ADD_FAILURE() << "no CSV column " << column;
    return "";
}

std::string fixed3(double v) {
    char b[64];
    std::snprintf(b, sizeof b, "%.3f", v);
    return b;
}

class ProvenanceCli : public TempDirTest {
protected:
    std::string net() {
        return write("one.yaml",
                     "name: one\nlayers:\n  - {name: A, C: 4, H: 9, W: 9, M: 4, R: 3, S: 3, padding: 1}\n"
                     "  - {name: B, C: 4, H: 9, W: 9, M: 8, R: 3, S: 3, padding: 1}\n");
    }
};

}  // namespace

TEST(ShellCommand, QuotesOnlyWhatTheShellWouldSplitOrExpand) {
    EXPECT_EQ(shell_command({"run", "--layers", "CONV1,CONV2", "--json", "out/r.json"}),
              "dfsim run --layers CONV1,CONV2 --json out/r.json");
    EXPECT_EQ(shell_command({"run", "--workload", "my net.yaml", "--layers", "", "--x", "it's", "$HOME", "a*"}),
              "dfsim run --workload 'my net.yaml' --layers '' --x 'it'\\''s' '$HOME' 'a*'");
}

// run --seed 7 --batch 2 --timing cycle --objective cycles: the text, JSON, CSV and HTML name each
// setting, the build and the command; the per-image latency is cycles / batch / clock.
TEST_F(ProvenanceCli, RunReportsCarryTheContextAndThePerImageLatency) {
    const std::string json = (dir / "r.json").string(), csv = (dir / "r.csv").string(),
                      html = (dir / "r.html").string();
    const std::string args = "run --arch " + src("configs/arch/eyeriss.yaml") + " --energy " +
                             src("configs/energy/45nm.yaml") + " --workload " + net() +
                             " --layers all --seed 7 --batch 2 --timing cycle "
                             "--objective cycles --json " +
                             json + " --csv " + csv + " --html " + html;
    const CmdResult r = dfsim(args);
    ASSERT_EQ(r.code, 0) << r.err;
    const std::string command = "dfsim " + args;  // no argument needs quoting here
    const std::string build = std::string("dfsim ") + dfsim_version() + " (git " + dfsim_git_commit() + ")";

    // the header (two lines), the context wrapped within 120 columns, the command on a line of its own
    std::istringstream lines(r.out);
    std::string first, line, context, command_line;
    std::getline(lines, first);
    std::getline(lines, line);
    EXPECT_NE(line.find("timing cycle (cycle-level engine)"), std::string::npos) << line;
    while (std::getline(lines, line) && line.rfind("command: ", 0) != 0) {
        EXPECT_LE(line.size(), 120u) << line;
        context += line.rfind("  ", 0) == 0 ? line.substr(1) : line;  // a continuation: "  item" -> " item"
    }
    command_line = line;
    EXPECT_EQ(context, "context: batch 2, layers all, seed 7, objective cycles, workload " + net() + ", arch " +
                           src("configs/arch/eyeriss.yaml") + ", energy " + src("configs/energy/45nm.yaml") + ", " +
                           build);
    EXPECT_EQ(command_line, "command: " + command);

    const nlohmann::json j = nlohmann::json::parse(slurp(json));
    EXPECT_EQ(j["schema_version"], 3);
    const nlohmann::json& p = j["provenance"];
    EXPECT_EQ(p["seed"], 7);
    EXPECT_EQ(p["batch"], 2);
    EXPECT_EQ(p["timing"], "cycle");
    EXPECT_EQ(p["objective"], "cycles");
    EXPECT_EQ(p["layers"], "all");
    EXPECT_EQ(p["command"], command);
    EXPECT_EQ(p["dfsim_version"], dfsim_version());
    EXPECT_EQ(p["git_commit"], dfsim_git_commit());
    EXPECT_EQ(p["dataflows"], nlohmann::json::array({"rs"}));
    EXPECT_EQ(p["energy_table"]["unit"], "pJ");
    EXPECT_EQ(p["arch"]["name"], "eyeriss");
    EXPECT_EQ(p["arch"]["summary"].get<std::string>().rfind("12x14 PEs, ", 0), 0u);

    // by hand: 200 MHz is 200e3 cycles per ms; a batch of 2 images
    const uint64_t cycles = j["total"]["cycles"].get<uint64_t>();
    ASSERT_GT(cycles, 0u);
    const double ms = static_cast<double>(cycles) / 200e3, per_image = ms / 2, per_s = 2 * 200e6 / cycles;
    EXPECT_NEAR(j["total"]["latency_ms"].get<double>(), ms, 1e-12 * ms);
    EXPECT_NEAR(j["total"]["ms_per_image"].get<double>(), per_image, 1e-12 * ms);
    EXPECT_NEAR(j["total"]["inferences_per_s"].get<double>(), per_s, 1e-9 * per_s);
    const std::string per_s2 = [&] {
        char b[64];
        std::snprintf(b, sizeof b, "%.2f", per_s);
        return std::string(b);
    }();
    EXPECT_NE(r.out.find("time at 200 MHz: " + fixed3(ms) + " ms for a batch of 2: " + fixed3(per_image) +
                         " ms/image, " + per_s2 + " inferences/s\n"),
              std::string::npos)
        << r.out;

    const auto rows = csv_rows(slurp(csv));
    ASSERT_EQ(rows.size(), 4u);  // header, A, B, total
    for (size_t i = 1; i < rows.size(); ++i) {
        SCOPED_TRACE(i);
        ASSERT_EQ(rows[i].size(), rows[0].size());
        EXPECT_EQ(cell(rows, i, "seed"), "7");
        EXPECT_EQ(cell(rows, i, "batch"), "2");
        EXPECT_EQ(cell(rows, i, "timing"), "cycle");
        EXPECT_EQ(cell(rows, i, "objective"), "cycles");
        EXPECT_EQ(cell(rows, i, "command"), command);
        EXPECT_EQ(cell(rows, i, "git_commit"), dfsim_git_commit());
    }
    EXPECT_EQ(cell(rows, 3, "layer"), "total");
    EXPECT_NEAR(std::stod(cell(rows, 3, "ms_per_image")), per_image, 1e-6);

    const std::string page = slurp(html);
    for (const std::string& s :
         std::vector<std::string>{std::string("<dt>seed</dt><dd>7</dd>"), std::string("<dt>batch</dt><dd>2</dd>"),
                                  std::string("<dt>timing</dt><dd>cycle (cycle-level engine)</dd>"),
                                  std::string("<dt>objective</dt><dd>cycles</dd>"), ", batch 2</h1>",
                                  "<dt>command</dt><dd>" + command + "</dd>", fixed3(per_image) + " ms/image"})
        EXPECT_NE(page.find(s), std::string::npos) << s;
}

// compare: the text header, compare.json, compare.csv and the charts' titles name the context.
TEST_F(ProvenanceCli, CompareReportsAndChartsCarryTheContext) {
    const std::string out = (dir / "cmp").string();
    const std::string args =
        "compare --workload " + net() + " --layers A --dataflows rs,ws --seed 7 --batch 2 --out " + out;
    const CmdResult r = dfsim(args);
    ASSERT_EQ(r.code, 0) << r.err;
    const std::string command = "dfsim " + args;
    const std::string txt = slurp(dir / "cmp/compare.txt");
    EXPECT_NE(txt.find("\ncontext: batch 2, layers A, seed 7, objective energy,"), std::string::npos) << txt;
    EXPECT_NE(txt.find("\ncommand: " + command + "\n"), std::string::npos) << txt;
    const nlohmann::json j = nlohmann::json::parse(slurp(dir / "cmp/compare.json"));
    EXPECT_EQ(j["schema_version"], 3);
    EXPECT_EQ(j["provenance"]["seed"], 7);
    EXPECT_EQ(j["provenance"]["batch"], 2);
    EXPECT_EQ(j["provenance"]["dataflows"], nlohmann::json::array({"rs", "ws"}));
    EXPECT_EQ(j["provenance"]["command"], command);
    const auto rows = csv_rows(slurp(dir / "cmp/compare.csv"));
    ASSERT_GE(rows.size(), 3u);
    for (size_t i = 1; i < rows.size(); ++i) {
        EXPECT_EQ(cell(rows, i, "seed"), "7");
        EXPECT_EQ(cell(rows, i, "batch"), "2");
        EXPECT_EQ(cell(rows, i, "layer_selection"), "A");
    }
    for (const char* gp : {"cmp/energy_by_level.gp", "cmp/energy_by_type.gp"})
        EXPECT_NE(slurp(dir / gp).find(R"( . "\n" . "one, layers A, batch 2, eyeriss 12x14 PEs, dataflows rs,ws")"),
                  std::string::npos)
            << gp;
}

// dfsim sweep's results carry the run reports' provenance: results.json a `provenance` object and
// `schema_version`, results.csv the provenance columns on every row (but `batch`: each row has its
// own). The command line is no input of a point: a rerun by another command line (other --jobs)
// resumes every point and only the command differs.
TEST_F(ProvenanceCli, SweepResultsCarryTheContextAndARerunResumes) {
    const std::string out = (dir / "sw").string();
    const std::string base =
        "sweep --workload " + net() + " --layers A --dataflows rs,ws --pe-array 4x4 --seed 3 --no-plots --out " + out;
    CmdResult r = dfsim(base + " --jobs 1");
    ASSERT_EQ(r.code, 0) << r.err;
    const std::string json1 = slurp(dir / "sw/results.json"), csv1 = slurp(dir / "sw/results.csv");
    // the wall time with one decimal, not "1.02603 s" (issue 15, consistent precision)
    EXPECT_TRUE(std::regex_search(r.out, std::regex(R"( run now\) in [0-9]+\.[0-9] s, timing )"))) << r.out;
    const nlohmann::json j = nlohmann::json::parse(json1);
    EXPECT_EQ(j["schema_version"], 3);  // the JSON layouts' number (docs/report.md)
    EXPECT_EQ(j["network"], "one");
    const nlohmann::json& p = j["provenance"];
    EXPECT_EQ(p["command"], "dfsim " + base + " --jobs 1");
    EXPECT_EQ(p["seed"], 3);
    EXPECT_EQ(p["objective"], "energy");
    EXPECT_EQ(p["timing"], "pass");
    EXPECT_EQ(p["batch"], 1);  // the workload's, no batch axis
    EXPECT_EQ(p["layers"], "A");
    EXPECT_EQ(p["dataflows"], nlohmann::json::array({"rs", "ws"}));
    EXPECT_EQ(p["energy_table"]["unit"], "pJ");
    EXPECT_EQ(p["arch"]["summary"].get<std::string>().substr(0, 14), "12x14 PEs, spa");  // the base's own array
    EXPECT_EQ(p["dfsim_version"], dfsim_version());
    const auto rows = csv_rows(csv1);
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(std::count(rows[0].begin(), rows[0].end(), "batch"), 1);  // the row's own, once
    for (const char* c : {"layer_selection", "seed", "objective", "workload_file", "arch_file", "energy_file",
                          "dfsim_version", "git_commit", "command"})
        EXPECT_EQ(std::count(rows[0].begin(), rows[0].end(), c), 1) << c;
    EXPECT_EQ(rows[0].back(), "command");  // the provenance after the figures, as run's and compare's
    for (size_t i = 1; i < rows.size(); ++i) {
        EXPECT_EQ(cell(rows, i, "seed"), "3");
        EXPECT_EQ(cell(rows, i, "layer_selection"), "A");
        EXPECT_EQ(cell(rows, i, "command"), "dfsim " + base + " --jobs 1");
        EXPECT_EQ(cell(rows, i, "pe_array"), "4x4");
        EXPECT_EQ(cell(rows, i, "pes"), "16");
    }
    r = dfsim(base + " --jobs 2");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("2 points (2 from an earlier run, 0 run now)"), std::string::npos) << r.out;
    const std::string json2 = slurp(dir / "sw/results.json");
    EXPECT_EQ(nlohmann::json::parse(json2)["provenance"]["command"], "dfsim " + base + " --jobs 2");
    EXPECT_NE(json1, json2);
    EXPECT_EQ(masked_report(json1), masked_report(json2));
    EXPECT_EQ(masked_report(csv1), masked_report(slurp(dir / "sw/results.csv")));
}

// Off a terminal, each progress line of a sweep names the point that finished, k of N, with the
// time elapsed and an ETA until the last.
TEST_F(ProvenanceCli, SweepProgressLinesNameThePoints) {
    const std::string args = "sweep --workload " + net() +
                             " --layers A --dataflows rs --pe-array 4x4,8x8 --jobs 1 --no-plots --out " +
                             (dir / "sw").string();
    CmdResult r = dfsim(args);
    ASSERT_EQ(r.code, 0) << r.err;
    const size_t first = r.err.find("dfsim sweep: 1 of 2 points done: point 0, rs pe_array=4x4; ");
    const size_t second = r.err.find("dfsim sweep: 2 of 2 points done: point 1, rs pe_array=8x8; ");
    ASSERT_NE(first, std::string::npos) << r.err;
    ASSERT_NE(second, std::string::npos) << r.err;
    EXPECT_LT(first, second);
    const std::string line1 = r.err.substr(first, r.err.find('\n', first) - first);
    EXPECT_NE(line1.find(" elapsed, ETA "), std::string::npos) << line1;
    const std::string line2 = r.err.substr(second, r.err.find('\n', second) - second);
    EXPECT_EQ(line2.find("ETA"), std::string::npos) << line2;  // the last: nothing left
    // a rerun after one point file is lost says what it resumes and runs the other
    std::filesystem::remove(dir / "sw/points/1.json");
    r = dfsim(args);
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.err.find("dfsim sweep: 1 of 2 points done already (their files are in the folder), 1 to run\n"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("dfsim sweep: 2 of 2 points done: point 1, rs pe_array=8x8; "), std::string::npos) << r.err;
}

// dfsim bench's report and dfsim corpus's report and --json carry the provenance; dfsim export's
// Timeloop files name the build and command in a comment.
TEST_F(ProvenanceCli, BenchCorpusAndExportNameTheirCommand) {
    const std::string bench = "bench --workload " + net() + " --layers A --dataflow rs";
    CmdResult r = dfsim(bench);
    ASSERT_EQ(r.code, 0) << r.err;
    std::istringstream lines(r.out);
    std::string l1, l2;
    std::getline(lines, l1);
    std::getline(lines, l2);
    EXPECT_EQ(l2.rfind("context: batch 1, layers A, seed 0, objective energy,", 0), 0u) << r.out;
    EXPECT_NE(r.out.find("\ncommand: dfsim " + bench + "\n"), std::string::npos) << r.out;
    const std::string corpus =
        "corpus --random 2 --networks none --dataflows rs --jobs 1 --quiet --json " + (dir / "c.json").string();
    r = dfsim(corpus);
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("\ncontext: batch per point, layers all, seed 1, objective energy,"), std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("\ncommand: dfsim " + corpus + "\n"), std::string::npos) << r.out;
    const nlohmann::json c = nlohmann::json::parse(slurp(dir / "c.json"));
    EXPECT_EQ(c["provenance"]["command"], "dfsim " + corpus);
    EXPECT_EQ(c["provenance"]["seed"], 1);
    EXPECT_EQ(c["provenance"]["dataflows"], nlohmann::json::array({"rs"}));
    const std::string exp = "export --format timeloop --workload " + net() + " --out " + (dir / "tl").string();
    r = dfsim(exp);
    ASSERT_EQ(r.code, 0) << r.err;
    const std::string a = slurp(dir / "tl/A.yaml");
    EXPECT_EQ(a.substr(0, a.find('\n') + 1), "# written by " + std::string("dfsim ") + dfsim_version() + " (git " +
                                                 dfsim_git_commit() + "): dfsim " + exp + "\n");
}

namespace dfsim::test {
namespace {

// Where the context lines break does not depend on the commit (the golden tests mask the commit,
// not the line breaks): a short clean commit and a long modified one give the same lines but the
// label, and every line fits 120 columns.
TEST(ProvenanceLine, BreaksDoNotDependOnTheCommit) {
    Provenance p;
    p.version = "0.1.0";
    p.command = "dfsim run";
    p.batch = 1;
    p.layers = "CONV1";
    p.objective = "energy";
    p.workload = "workloads/alexnet.yaml";
    p.arch_file = "configs/arch/eyeriss-isca16.yaml";
    p.energy_file = "configs/energy/eyeriss-normalized.yaml";
    for (size_t extra = 0; extra < 40; ++extra) {  // every length of the workload's name up to 40 more
        p.workload = "workloads/" + std::string(extra, 'w') + ".yaml";
        p.commit = "abc1234";
        std::string a = provenance_line(p);
        p.commit = "0123456789ab-modified";
        std::string b = provenance_line(p);
        const size_t at = b.find("0123456789ab-modified");
        ASSERT_NE(at, std::string::npos);
        b.replace(at, std::string("0123456789ab-modified").size(), "abc1234");
        EXPECT_EQ(a, b) << extra;
        std::istringstream in(provenance_line(p));
        for (std::string line; std::getline(in, line);) {
            if (line.rfind("command: ", 0) != 0) {
                EXPECT_LE(line.size(), 120u) << line;
            }
        }
    }
}

}  // namespace
}  // namespace dfsim::test
