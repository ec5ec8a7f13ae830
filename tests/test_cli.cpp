// The dfsim command line: bad input gives one clear error line, exit code 2 and no report;
// a good run writes the JSON/CSV report contract, deterministically.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

#include "tests/cli_fixture.h"
#include "tests/test_util.h"

using namespace dfsim::test;
namespace fs = std::filesystem;

namespace {

class Cli : public TempDirTest {
protected:
    CmdResult run(const std::string& args) { return dfsim(args); }
    std::string arch() { return src("configs/arch/eyeriss.yaml"); }
    std::string small_net() {
        return write("net.yaml", R"(name: small
layers:
  - {name: A, C: 3, H: 15, W: 15, M: 8, R: 3, S: 3, padding: 1, requant: {multiplier: 1, shift: 8, relu: true}}
  - {name: B, C: 8, H: 15, W: 15, M: 6, R: 3, S: 3, stride: 2,
     data: {ifmap: {zero_fraction: 0.5}}}
)");
    }
};

}  // namespace

TEST_F(Cli, GoodRunWritesTheReportContract) {
    std::string json = (dir / "out/report.json").string(), csv = (dir / "out/report.csv").string();
    fs::create_directories(dir / "out");  // a report's folder must exist (it is not created)
    CmdResult r =
        run("run --arch " + arch() + " --workload " + small_net() + " --layers all --json " + json + " --csv " + csv);
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("bit-exact"), std::string::npos);
    auto j = nlohmann::json::parse(slurp(json));
    EXPECT_EQ(j["dataflow"], "rs");
    EXPECT_EQ(j["energy_table"], "45nm-horowitz");
    EXPECT_EQ(j["arch"]["pe_array"]["rows"], 12);
    ASSERT_EQ(j["layers"].size(), 2u);
    uint64_t macs = 0, dram_if_reads = 0;
    double total_pj = 0;
    for (const auto& l : j["layers"]) {
        for (const char* k :
             {"name", "shape", "macs", "gated_macs", "cycles", "utilization", "accesses", "energy", "output_check"})
            EXPECT_TRUE(l.contains(k)) << k;
        for (const char* lv : {"dram", "glb", "noc", "rf"})
            for (const char* t : {"ifmap", "filter", "psum"})
                for (const char* rw : {"reads", "writes"}) EXPECT_TRUE(l["accesses"][lv][t].contains(rw));
        for (const char* e : {"dram", "glb", "noc", "rf", "alu", "total"}) EXPECT_TRUE(l["energy"].contains(e));
        EXPECT_EQ(l["output_check"], "bit-exact");
        macs += l["macs"].get<uint64_t>();
        dram_if_reads += l["accesses"]["dram"]["ifmap"]["reads"].get<uint64_t>();
        total_pj += l["energy"]["total"].get<double>();
    }
    // A: 8 x 15 x 15 x 3 x 9 = 48600; B: 6 x 7 x 7 x 8 x 9 = 21168
    EXPECT_EQ(macs, 48600u + 21168u);
    EXPECT_EQ(j["total"]["macs"].get<uint64_t>(), macs);
    EXPECT_EQ(j["total"]["accesses"]["dram"]["ifmap"]["reads"].get<uint64_t>(), dram_if_reads);
    EXPECT_NEAR(j["total"]["energy"]["total"].get<double>(), total_pj, 1e-6 * total_pj);
    EXPECT_GT(j["layers"][1]["gated_macs"].get<uint64_t>(), 0u);
    // the mapper searched both layers, and its wall time is measured
    EXPECT_EQ(j["mapper"]["layers_mapped"].get<uint64_t>(), 2u);
    EXPECT_GT(j["mapper"]["host_seconds"].get<double>(), 0.0);
    std::string csv_text = slurp(csv);
    EXPECT_EQ(std::count(csv_text.begin(), csv_text.end(), '\n'), 4);  // header, 2 layers, total
    for (const auto& e : fs::directory_iterator(dir / "out"))
        EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos);  // no temp left

    // same inputs and seed, same numbers, bit for bit
    std::string json2 = (dir / "again.json").string();
    ASSERT_EQ(run("run --arch " + arch() + " --workload " + small_net() + " --layers all --json " + json2).code, 0);
    EXPECT_EQ(masked_report(slurp(json)), masked_report(slurp(json2)));  // another --json
    // other seeds: other data (other zero positions), still bit-exact; the gated MACs move
    // with the zero positions (two seeds can coincide, three all equal cannot plausibly)
    std::set<uint64_t> gated{j["layers"][1]["gated_macs"].get<uint64_t>()};
    for (int seed : {5, 6, 7}) {
        std::string js = (dir / ("seed" + std::to_string(seed) + ".json")).string();
        ASSERT_EQ(run("run --arch " + arch() + " --workload " + small_net() + " --layers all --seed " +
                      std::to_string(seed) + " --json " + js)
                      .code,
                  0);
        auto js_j = nlohmann::json::parse(slurp(js));
        EXPECT_EQ(js_j["total"]["output_check"], "bit-exact");
        EXPECT_EQ(js_j["total"]["macs"], j["total"]["macs"]);
        gated.insert(js_j["layers"][1]["gated_macs"].get<uint64_t>());
    }
    EXPECT_GE(gated.size(), 2u);
}

TEST_F(Cli, BadInputsGiveOneClearLineExitTwoAndNoReport) {
    std::string net = small_net();
    struct Bad {
        std::string what, args, expect;
    };
    std::string unknown =
        write("unknown.yaml", "name: x\nlayers:\n  - {name: A, C: 3, H: 8, W: 8, M: 4, R: 3, S: 3, strde: 2}\n");
    std::string bits =
        write("bits.yaml",
              "name: x\nlayers:\n  - {name: A, C: 3, H: 8, W: 8, M: 4, R: 3, S: 3,\n     bits: {ifmap: {bits: 17}}}\n");
    std::string zero = write("zero.yaml", "name: x\nlayers:\n  - {name: A, C: 0, H: 8, W: 8, M: 4, R: 3, S: 3}\n");
    std::string neg = write("neg.yaml", "name: x\nlayers:\n  - {name: A, C: 3, H: -8, W: 8, M: 4, R: 3, S: 3}\n");
    std::string arch_text = slurp(arch());
    std::string narrow_mac =
        write("narrow.yaml", std::string(arch_text).replace(arch_text.find("mac_bits: 8"), 11, "mac_bits: 4"));
    std::string tiny_glb = write("tiny.yaml", arch_text.replace(arch_text.find("size_kb: 108"), 12, "size_kb: 0.125"));
    std::vector<Bad> cases = {
        {"missing file", "--workload " + (dir / "nope.yaml").string(), "nope.yaml: file not found"},
        {"unknown key", "--workload " + unknown, "unknown.yaml:3:"},
        {"unknown key field", "--workload " + unknown, "layers[0].strde': unknown field"},
        {"bit width", "--workload " + bits, "layers[0].bits.ifmap.bits': expected an integer in [1, 16], got 17"},
        {"zero size", "--workload " + zero, "layers[0].C': expected an integer in [1, 1048576], got 0"},
        {"negative size", "--workload " + neg, "got -8"},
        {"does not fit", "--arch " + tiny_glb + " --workload " + net, "no row-stationary mapping fits"},
        {"operands wider than the MAC", "--arch " + narrow_mac + " --workload " + net,
         "narrow.yaml: field 'pe.mac_bits': expected at least the operand width of layer A (8 bits), got 4"},
        {"unknown dataflow", "--workload " + net + " --dataflow xyz",
         "expected one of {ws, os-a, os-b, os-c, nlr, rs}, got 'xyz'"},
    };
    for (const Bad& b : cases) {
        SCOPED_TRACE(b.what);
        std::string json = (dir / "r.json").string();
        std::string a = b.args.find("--arch") == std::string::npos ? "--arch " + arch() + " " : "";
        CmdResult r = run("run " + a + b.args + " --layers all --json " + json);
        EXPECT_EQ(r.code, 2);
        EXPECT_NE(r.err.find(b.expect), std::string::npos) << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;  // one line
        EXPECT_FALSE(fs::exists(json));
    }
}

// Every report of a run names the timing model that produced its cycles: the text header, the
// HTML header, the JSON's top level and the CSV's `timing` column say `cycle` under --timing
// cycle, and `pass` by default and under --timing pass.
TEST_F(Cli, ReportsNameTheTimingModel) {
    const std::string net =
        write("one.yaml", "name: one\nlayers:\n  - {name: A, C: 4, H: 9, W: 9, M: 4, R: 3, S: 3, padding: 1}\n");
    const std::vector<std::pair<std::string, std::string>> runs = {{"", "pass (pass-level model)"},
                                                                   {" --timing cycle", "cycle (cycle-level engine)"},
                                                                   {" --timing pass", "pass (pass-level model)"}};
    for (const auto& [option, label] : runs) {
        SCOPED_TRACE(option);
        const std::string name = label.substr(0, label.find(' ')), other = name == "pass" ? "cycle" : "pass";
        const std::string json = (dir / "r.json").string(), csv = (dir / "r.csv").string(),
                          html = (dir / "r.html").string();
        const CmdResult r = run("run --arch " + arch() + " --workload " + net + " --json " + json + " --csv " + csv +
                                " --html " + html + option);
        ASSERT_EQ(r.code, 0) << r.err;
        const std::string header = r.out.substr(0, r.out.find('\n', r.out.find('\n') + 1));  // two lines
        EXPECT_NE(header.find(", timing " + label), std::string::npos) << header;
        EXPECT_EQ(header.find(other), std::string::npos) << header;
        const nlohmann::json j = nlohmann::json::parse(slurp(json));
        EXPECT_EQ(j["timing"], name);
        EXPECT_FALSE(j["layers"][0].contains("timing"));  // once, at the top level
        std::istringstream lines(slurp(csv));
        std::vector<std::vector<std::string>> rows;
        for (std::string line; std::getline(lines, line);) {
            rows.emplace_back();
            std::istringstream cells(line);
            for (std::string c; std::getline(cells, c, ',');) rows.back().push_back(c);
        }
        ASSERT_EQ(rows.size(), 3u);  // header, A, total
        const auto col = std::find(rows[0].begin(), rows[0].end(), "timing");
        ASSERT_NE(col, rows[0].end());
        for (size_t i = 1; i < rows.size(); ++i)
            EXPECT_EQ(rows[i].at(static_cast<size_t>(col - rows[0].begin())), name) << i;
        EXPECT_NE(slurp(html).find("<dt>timing</dt><dd>" + label + "</dd>"), std::string::npos);
    }
}

// dfsim bench names its timing model in its header line (and its totals line).
TEST_F(Cli, BenchNamesTheTimingModel) {
    const std::string net =
        write("one.yaml", "name: one\nlayers:\n  - {name: A, C: 4, H: 9, W: 9, M: 4, R: 3, S: 3, padding: 1}\n");
    for (const auto& [option, label] : std::vector<std::pair<std::string, std::string>>{
             {"", "pass (pass-level model)"}, {" --timing cycle", "cycle (cycle-level engine)"}}) {
        SCOPED_TRACE(option);
        const CmdResult r = run("bench --arch " + arch() + " --workload " + net + option);
        ASSERT_EQ(r.code, 0) << r.err;
        EXPECT_EQ(r.out.substr(0, r.out.find('\n')), "dfsim bench: one on eyeriss, dataflow rs, timing " + label);
        EXPECT_NE(r.out.find("; timing model: " + label.substr(0, label.find(' ')) + ";"), std::string::npos) << r.out;
        // the rates with SI prefixes, no number in exponent notation (issue 15, consistent precision)
        EXPECT_FALSE(std::regex_search(r.out, std::regex("[0-9][eE][+-][0-9]"))) << r.out;
    }
}

TEST_F(Cli, ListNamesTheDataflows) {
    CmdResult r = run("list");
    EXPECT_EQ(r.code, 0);
    // one line per dataflow: its name, a tab, its description
    std::vector<std::string> names;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) names.push_back(line.substr(0, line.find('\t')));
    EXPECT_EQ(names, (std::vector<std::string>{"ws", "os-a", "os-b", "os-c", "nlr", "rs"})) << r.out;
}

// A mapping file pins layers' mappings: they run as given (the JSON names them) and the other
// layers are mapped; a pinned mapping that breaks a constraint, or names a missing layer or
// another dataflow, is refused with the file, line and reason, exit 2 and no report.
TEST_F(Cli, PinnedMappingFile) {
    const std::string net = small_net();
    const std::string pin = write("pin.yaml", "dataflow: os-b\nlayers:\n  B: {mp: 3, ep: 2, fp: 3, et: 4}\n");
    const std::string json = (dir / "r.json").string();
    CmdResult r =
        run("run --arch " + arch() + " --workload " + net + " --dataflow os-b --mapping " + pin + " --json " + json);
    ASSERT_EQ(r.code, 0) << r.err;
    const nlohmann::json j = nlohmann::json::parse(slurp(json));
    EXPECT_EQ(j["layers"][1]["mapping"].get<std::string>().rfind("mp=3 ep=2 fp=3 | glb tile Et=4 Mt=6 Ct=8", 0), 0u)
        << j["layers"][1]["mapping"];
    EXPECT_EQ(j["layers"][1]["output_check"], "bit-exact");
    EXPECT_EQ(j["layers"][0]["output_check"], "bit-exact");  // mapped by the mapper
    struct Bad {
        std::string yaml, expect;
    };
    const std::vector<Bad> bad = {
        {"dataflow: os-b\nlayers:\n  B: {mp: 3, ep: 1, fp: 8}\n",
         "pin.yaml:3:6: field 'layers.B': expected a legal os-b mapping for layer B on eyeriss: fp must be in [1, "
         "F=7]"},
        {"dataflow: os-b\nlayers:\n  B: {mp: 3, ep: 3, fp: 5}\n", "ep*fp <= cols"},
        {"dataflow: os-b\nlayers:\n  Z: {mp: 1}\n",
         "pin.yaml:3:6: field 'layers.Z': expected one of the layers being run {A, B}, got 'Z'"},
        {"dataflow: ws\nlayers:\n  B: {cp: 1, rp: 1, mp: 1}\n", "mappings for 'ws' cannot run on dataflow 'os-b'"},
        {"dataflow: xx\nlayers: {}\n", "field 'dataflow': expected one of {ws, os-a, os-b, os-c, nlr, rs}, got 'xx'"},
    };
    for (const Bad& b : bad) {
        SCOPED_TRACE(b.yaml);
        write("pin.yaml", b.yaml);
        CmdResult e = run("run --arch " + arch() + " --workload " + net + " --dataflow os-b --mapping " + pin +
                          " --json " + (dir / "bad.json").string());
        EXPECT_EQ(e.code, 2);
        EXPECT_NE(e.err.find(b.expect), std::string::npos) << e.err;
        EXPECT_FALSE(fs::exists(dir / "bad.json"));
    }
}

// The exit codes (README, "Exit codes"), each from the case that produces it: 0 success, 1 an
// output that does not match the reference (the test-only fault DFSIM_TEST_FAULT=mismatch flips
// one simulated value before the check), 2 bad input, 3 an internal error (DFSIM_TEST_FAULT=assert
// fails an assertion), 4 a result that cannot be written. Every error is one line on stderr.
TEST_F(Cli, ExitCodes) {
    const std::string net = small_net(), base = "run --arch " + arch() + " --workload " + net + " --layers all";
    CmdResult r = run(base);
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(r.err.empty()) << r.err;

    const std::string json = (dir / "mismatch.json").string();
    r = dfsim(base + " --json " + json, "DFSIM_TEST_FAULT=mismatch");
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_NE(r.out.find("mismatch"), std::string::npos) << r.out;  // the table is still printed
    const auto j = nlohmann::json::parse(slurp(json));  // and the report written
    EXPECT_EQ(j["total"]["output_check"], "mismatch");
    EXPECT_EQ(j["layers"][0]["mismatches"], 1);
    EXPECT_EQ(dfsim(base + " --no-check", "DFSIM_TEST_FAULT=mismatch").code, 0);  // nothing checked

    r = run(base + " --dataflow xyz");
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(r.err.rfind("dfsim: error: ", 0), 0u) << r.err;

    r = dfsim("list", "DFSIM_TEST_FAULT=assert");
    EXPECT_EQ(r.code, 3);
    EXPECT_EQ(r.err.rfind("dfsim: internal error: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find("assertion 'false' failed: DFSIM_TEST_FAULT=assert (test only)"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("this is a bug in dfsim; please report it with the command line and input files"),
              std::string::npos)
        << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;  // nothing on stdout (SystemC's handler would print there)

    for (const std::string opt : {"--json /proc/dfsim.json", "--csv /proc/dfsim.csv", "--html /proc/dfsim.html"}) {
        SCOPED_TRACE(opt);
        const std::string path = opt.substr(opt.find(' ') + 1);
        r = run(base + " " + opt);
        EXPECT_EQ(r.code, 4) << r.err;
        EXPECT_EQ(r.err.rfind("dfsim: error: cannot write " + path + ": ", 0), 0u) << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    }
}

// On one core (its CPU affinity, base/workers.h usable_cores) a run prepares the next layer and
// computes the check's reference convolution on the main thread, after the simulation, not on a
// second one (sim/simulator.cpp second_thread): the same report, and a wrong output still found.
TEST_F(Cli, OneCoreRunIsTheTwoThreadRun) {
    const std::string base = "run --arch " + arch() + " --workload " + small_net() + " --layers all";
    const std::string two = (dir / "two.json").string(), one = (dir / "one.json").string();
    CmdResult r = run(base + " --json " + two);
    ASSERT_EQ(r.code, 0) << r.err;
    r = dfsim(base + " --json " + one, "taskset -c 0");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(masked_report(slurp(one)), masked_report(slurp(two)));
    EXPECT_EQ(dfsim(base, "DFSIM_TEST_FAULT=mismatch taskset -c 0").code, 1);
}

// An output directory that cannot be made (here: under a regular file) is an I/O error too, for
// every subcommand that writes one.
TEST_F(Cli, UnwritableOutputDirectoriesExitFour) {
    const std::string net = small_net();
    write("plain.txt", "x");
    const std::string under = (dir / "plain.txt" / "out").string();
    std::vector<std::string> cases = {
        "sweep --arch " + arch() + " --workload " + net + " --dataflows rs --no-plots --jobs 1 --out " + under,
        "export --workload " + net + " --out " + under + "/net.csv"};
    if (std::system("gnuplot --version >/dev/null 2>&1") == 0)  // compare --out checks for gnuplot first
        cases.push_back("compare --arch " + arch() + " --workload " + net + " --dataflows rs --out " + under);
    for (const std::string& args : cases) {
        SCOPED_TRACE(args);
        const CmdResult r = run(args);
        EXPECT_EQ(r.code, 4) << r.err;
        EXPECT_EQ(r.err.rfind("dfsim: error: ", 0), 0u) << r.err;
        EXPECT_NE(r.err.find(under), std::string::npos) << r.err;
    }
}

// A relative --mapping path is looked up like --arch and --workload: in the working directory,
// else in the source tree (here the working directory is an empty temporary one). The file is
// found and read: it names layers that are not run, which is refused with the file's own path.
TEST_F(Cli, MappingFileIsFoundInTheSourceTreeLikeTheConfigs) {
    const CmdResult r = dfsim(
        "run --arch configs/arch/eyeriss-chip.yaml --workload workloads/alexnet_eyeriss_chip.yaml --dataflow rs "
        "--layers CONV5 --mapping configs/mappings/eyeriss-chip-alexnet.yaml",
        "cd " + dir.string() + " &&");
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find(std::string(DFSIM_SOURCE_DIR) + "/configs/mappings/eyeriss-chip-alexnet.yaml:"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("expected one of the layers being run"), std::string::npos) << r.err;
}

// Where the pass-level model is known to run ahead of its bound (nlr on depthwise layers, up to 7%
// above the cycle-level engine in docs/timing_corpus.md), run and compare say so on stderr, and
// only there: not for another dataflow, a non-depthwise layer or --timing cycle.
TEST_F(Cli, PassModelLimitsAreNoted) {
    const std::string dw = write(
        "dw.yaml", "name: dw\nlayers:\n  - {name: D, C: 4, H: 6, W: 6, M: 4, R: 3, S: 3, padding: 1, groups: 4}\n");
    const std::string conv =
        write("conv.yaml", "name: conv\nlayers:\n  - {name: A, C: 4, H: 6, W: 6, M: 4, R: 3, S: 3, padding: 1}\n");
    const std::string note = "dfsim: note: nlr on depthwise layers (D, ...)";
    struct Case {
        std::string args;
        bool noted;
    };
    const std::vector<Case> cases = {{"run --dataflow nlr --workload " + dw, true},
                                     {"compare --dataflows rs,nlr --workload " + dw, true},
                                     {"run --dataflow rs --workload " + dw, false},
                                     {"run --dataflow nlr --timing cycle --workload " + dw, false},
                                     {"run --dataflow nlr --workload " + conv, false}};
    for (const Case& c : cases) {
        SCOPED_TRACE(c.args);
        const CmdResult r = run(c.args + " --arch " + arch());
        ASSERT_EQ(r.code, 0) << r.err;
        EXPECT_EQ(r.err.find(note) != std::string::npos, c.noted) << r.err;
    }
}

// Progress on stderr (issue 15): off a terminal, with --progress (a run this short prints none
// without it), `dfsim run` prints one line per accelerator layer as it finishes, in order, with the layers done of all selected (host layers counted) and
// the share of the MACs done, by hand from workloads/lenet5.yaml's shapes (CONV1 117,600,
// CONV2 240,000, FC1 48,000, FC2 10,080, FC3 840 of 416,520: 28%, 85%, 97%, 99%, 100%, floored);
// --quiet prints none and the same table; compare --quiet drops its per-pair lines.
TEST_F(Cli, ProgressLinesAndQuiet) {
    EXPECT_EQ(run("run --workload workloads/lenet5.yaml --layers all").err.find("dfsim run: "), std::string::npos);
    const CmdResult r = run("run --workload workloads/lenet5.yaml --layers all --progress");
    ASSERT_EQ(r.code, 0) << r.err;
    std::vector<std::string> lines;
    std::istringstream in(r.err);
    for (std::string line; std::getline(in, line);)
        if (line.rfind("dfsim run: ", 0) == 0) lines.push_back(line);
    const std::vector<std::string> want = {
        "CONV1 done (1 of 7 layers, 28% of the MACs)", "CONV2 done (3 of 7 layers, 85% of the MACs)",
        "FC1 done (5 of 7 layers, 97% of the MACs)", "FC2 done (6 of 7 layers, 99% of the MACs)",
        "FC3 done (7 of 7 layers, 100% of the MACs)"};
    ASSERT_EQ(lines.size(), want.size()) << r.err;
    for (size_t i = 0; i < want.size(); ++i) EXPECT_NE(lines[i].find(want[i]), std::string::npos) << lines[i];
    EXPECT_NE(lines[0].find("s left"), std::string::npos) << lines[0];
    EXPECT_EQ(lines.back().find("left"), std::string::npos) << lines.back();
    const CmdResult q = run("run --workload workloads/lenet5.yaml --layers all --progress --quiet");
    ASSERT_EQ(q.code, 0) << q.err;
    EXPECT_EQ(q.err.find("dfsim run: "), std::string::npos) << q.err;
    EXPECT_EQ(masked_report(q.out), masked_report(r.out));  // the same table
    const CmdResult c = run("compare --workload workloads/lenet5.yaml --layers CONV1 --dataflows ws,rs -q");
    ASSERT_EQ(c.code, 0) << c.err;
    EXPECT_EQ(c.err.find("dfsim compare: CONV1"), std::string::npos) << c.err;
    const CmdResult cl = run("compare --workload workloads/lenet5.yaml --layers CONV1 --dataflows ws,rs");
    EXPECT_NE(cl.err.find("dfsim compare: CONV1 rs"), std::string::npos) << cl.err;
    // k of N, the time elapsed, and the time left while pairs remain (none after the last)
    const size_t first = cl.err.find("dfsim compare: CONV1 ws"), last = cl.err.find("dfsim compare: CONV1 rs");
    ASSERT_NE(first, std::string::npos) << cl.err;
    const std::string l1 = cl.err.substr(first, cl.err.find('\n', first) - first),
                      l2 = cl.err.substr(last, cl.err.find('\n', last) - last);
    EXPECT_NE(l1.find(" (1 of 2), "), std::string::npos) << l1;
    EXPECT_NE(l1.find(" s elapsed, about "), std::string::npos) << l1;
    EXPECT_NE(l2.find(" (2 of 2), "), std::string::npos) << l2;
    EXPECT_EQ(l2.find(" left"), std::string::npos) << l2;
}

namespace dfsim::test {
namespace {

// The first line of a run's text that begins "layer " (its first table's header).
std::string first_table_header(const std::string& out) {
    const size_t at = out.find("\nlayer ") + 1;
    return out.substr(at, out.find('\n', at) - at);
}

// dfsim run prints its table as layers finish: each row comes before that layer's progress line
// (stdout and stderr merged into one file), and the streamed text is the table format_table
// writes in one piece (what --show-mapping prints after the mappings). Every line but the
// command fits 120 columns; --wide adds gated MACs and the energy by data type.
TEST_F(Cli, RunTableStreamedRowByRowWithin120Columns) {
    const std::string net = "--workload workloads/lenet5.yaml --layers all";
    const std::filesystem::path merged = dir / "merged.txt";
    const std::string cmd = std::string(dfsim_binary()) + " run " + net + " --progress >" + merged.string() + " 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    const std::string m = slurp(merged);
    std::vector<size_t> at;
    for (const std::string s : {"\nCONV1 ", "dfsim run: CONV1 done", "\nCONV2 ", "dfsim run: CONV2 done", "\nFC3 ",
                                "dfsim run: FC3 done", "\ntotal "}) {
        at.push_back(m.find(s));
        ASSERT_NE(at.back(), std::string::npos) << s << "\n" << m;
    }
    for (size_t i = 1; i < at.size(); ++i) EXPECT_LT(at[i - 1], at[i]) << m;

    const CmdResult streamed = run("run " + net);
    ASSERT_EQ(streamed.code, 0) << streamed.err;
    const CmdResult whole = run("run " + net + " --show-mapping");
    ASSERT_EQ(whole.code, 0) << whole.err;
    const size_t table = whole.out.find("dfsim: lenet5 on ");
    ASSERT_NE(table, std::string::npos) << whole.out;
    EXPECT_EQ(masked_report(whole.out.substr(table)), masked_report(streamed.out));

    // lenet5, the default AlexNet, ResNet-18 (host rows of pools and adds)
    for (const std::string& args : {"run " + net, std::string("run"),
                                    std::string("run --workload workloads/resnet18.yaml --layers POOL1,ADD2A,CONV1")}) {
        const CmdResult r = run(args);
        ASSERT_EQ(r.code, 0) << r.err;
        std::istringstream in(r.out);
        for (std::string line; std::getline(in, line);) {
            if (line.rfind("command: ", 0) != 0) {
                EXPECT_LE(line.size(), 120u) << args << ": " << line;
            }
        }
        const std::string header = first_table_header(r.out);
        for (const char* col : {"DRAM", "GLB", "NoC", "RF", "ALU", "cycles", "util"})
            EXPECT_NE(header.find(col), std::string::npos) << col << " in " << header;
        for (const char* col : {"gated MACs", "ifmap", "filter", "psum"})
            EXPECT_EQ(header.find(col), std::string::npos) << col << " in " << header;
    }
    const CmdResult w = run("run " + net + " --wide");
    ASSERT_EQ(w.code, 0) << w.err;
    const std::string header = first_table_header(w.out);
    for (const char* col : {"gated MACs", "ifmap", "filter", "psum", "DRAM", "NoC"})
        EXPECT_NE(header.find(col), std::string::npos) << col << " in " << header;
}

}  // namespace
}  // namespace dfsim::test
