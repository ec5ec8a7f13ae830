// A command line that forgives (issue 15): every error is one "dfsim: error:" line with exit
// code 2, with a "did you mean" for a near miss (options, subcommands, dataflows, layer names);
// layer names match in any case; --dataflow and --dataflows are one option; --version; and a
// refused command creates no file or folder.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "base/text.h"
#include "workload/formats/npy.h"
#include "tests/cli_fixture.h"
#include "tests/test_util.h"

using namespace dfsim;
using namespace dfsim::test;
namespace fs = std::filesystem;

// The distance counts insertions, deletions, substitutions and neighbour swaps one each, in
// any case; the suggestions are the nearest names within max(1, length/3) edits (leading dashes
// left out), ties kept (three at most), and nothing for a name that shares too little with any
// choice.
TEST(DidYouMean, EditDistanceAndSuggestions) {
    EXPECT_EQ(edit_distance("dataflow", "dataflow"), 0u);
    EXPECT_EQ(edit_distance("CONV1", "conv1"), 0u);  // case ignored
    EXPECT_EQ(edit_distance("--dataflwo", "--dataflow"), 1u);  // a swap is one edit
    EXPECT_EQ(edit_distance("--dataflows", "--dataflow"), 1u);
    EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
    EXPECT_EQ(edit_distance("", "abc"), 3u);
    EXPECT_EQ(edit_distance("ca", "abc"), 3u);  // restricted: no edit of a swapped pair
    const std::vector<std::string> dataflows = {"ws", "os-a", "os-b", "os-c", "nlr", "rs"};
    EXPECT_EQ(closest_names("rz", dataflows), (std::vector<std::string>{"rs"}));
    EXPECT_EQ(closest_names("RS", dataflows), (std::vector<std::string>{"rs"}));
    EXPECT_EQ(closest_names("os-d", dataflows), (std::vector<std::string>{"os-a", "os-b", "os-c"}));
    EXPECT_TRUE(closest_names("xyz", dataflows).empty());
    EXPECT_TRUE(closest_names("ab", dataflows).empty());  // two edits of a two-letter name
    EXPECT_TRUE(closest_names("foo", {"FC6", "FC7", "fc"}).empty());  // two edits of three letters
    EXPECT_TRUE(closest_names("spec", {"seed"}).empty());  // two edits of four letters
    EXPECT_TRUE(closest_names("-j", {"-h", "--jobs"}).empty());  // dashes left out: one letter changed
    EXPECT_EQ(closest_names("-jobs", {"-h", "--jobs"}), (std::vector<std::string>{"--jobs"}));
    EXPECT_EQ(closest_names("compaer", {"compare"}), (std::vector<std::string>{"compare"}));  // one swap
    EXPECT_EQ(closest_names("comprae", {"compare"}), (std::vector<std::string>{"compare"}));
    EXPECT_EQ(closest_names("--dataflws", {"--dataflow", "--dataflows"}), (std::vector<std::string>{"--dataflows"}));
    EXPECT_EQ(closest_names("w", dataflows), (std::vector<std::string>{"ws"}));
    EXPECT_EQ(did_you_mean("nrl", dataflows), "; did you mean 'nlr'?");
    EXPECT_EQ(did_you_mean("os", dataflows), "; did you mean 'ws' or 'rs'?");
    EXPECT_EQ(did_you_mean("os-d", dataflows), "; did you mean 'os-a', 'os-b' or 'os-c'?");
    EXPECT_EQ(did_you_mean("weight", dataflows), "");
    // long names allow length/3 edits
    EXPECT_EQ(closest_names("--mapingcahce", {"--mapping-cache", "--mapping"}),
              (std::vector<std::string>{"--mapping-cache"}));
    std::vector<std::string> many;
    for (int i = 0; i < 25; ++i) many.push_back(std::string(1, 'L').append(std::to_string(i)));
    EXPECT_EQ(name_list({"a", "b"}), "a, b");
    const std::string list = name_list(many);
    EXPECT_EQ(list.substr(0, 10), "L0, L1, L2");
    EXPECT_NE(list.find("L19, ... and 5 more"), std::string::npos) << list;
    EXPECT_EQ(list.find("L20"), std::string::npos) << list;
}

namespace {

class CliErrors : public TempDirTest {
protected:
    // Runs dfsim in the test's folder (so that anything it creates by mistake would show there).
    CmdResult run(const std::string& args) { return dfsim(args, "cd " + dir.string() + " &&"); }
    // The names in the test's folder besides the fixture's captured stdout and stderr.
    std::vector<std::string> made() {
        std::vector<std::string> names;
        for (const auto& e : fs::recursive_directory_iterator(dir)) {
            const std::string n = fs::relative(e.path(), dir).string();
            if (n != "stdout.txt" && n != "stderr.txt") names.push_back(n);
        }
        std::sort(names.begin(), names.end());
        return names;
    }
    // A refused command: exit code 2, exactly `line` on stderr, nothing on stdout, nothing made.
    void expect_refused(const std::string& args, const std::string& line) {
        SCOPED_TRACE(args);
        const std::vector<std::string> before = made();
        const CmdResult r = run(args);
        EXPECT_EQ(r.code, 2) << r.err;
        EXPECT_EQ(r.err, "dfsim: error: " + line + "\n");
        EXPECT_EQ(r.out, "");
        EXPECT_EQ(made(), before);
    }
};

const std::string kCommands = "{run, bench, list, export, sweep, compare, quantize, corpus, version}";

}  // namespace

// The parser's refusals: an unknown option is named with the nearest options of its subcommand,
// an unknown subcommand with the nearest subcommand and the list of them, a missing one with the
// list; the parser's other messages (a bad value, a stray argument, a required option) say where
// the help is. Each is one "dfsim: error:" line with exit code 2.
TEST_F(CliErrors, ParserErrorsSuggestTheNearestName) {
    expect_refused("run --dataflwo rs",
                   "command line: unknown option '--dataflwo' of dfsim run; did you mean '--dataflow'? (dfsim run "
                   "--help lists its options)");
    expect_refused("run --jbos=3 --layers CONV1",
                   "command line: unknown option '--jbos' of dfsim run; did you mean '--jobs'? (dfsim run --help "
                   "lists its options)");
    expect_refused("sweep --pe-aray 8x8 --out o",
                   "command line: unknown option '--pe-aray' of dfsim sweep; did you mean '--pe-array'? (dfsim sweep "
                   "--help lists its options)");
    expect_refused("run --xyzzy",
                   "command line: unknown option '--xyzzy' of dfsim run (dfsim run --help lists its options)");
    expect_refused("rn", "command line: unknown subcommand 'rn': expected one of " + kCommands +
                             "; did you mean 'run'? (dfsim --help lists the subcommands)");
    expect_refused("Compare --dataflows rs", "command line: unknown subcommand 'Compare': expected one of " +
                                                 kCommands +
                                                 "; did you mean 'compare'? (dfsim --help lists the "
                                                 "subcommands)");
    expect_refused("simulate", "command line: unknown subcommand 'simulate': expected one of " + kCommands +
                                   " (dfsim --help lists the subcommands)");
    expect_refused(
        "", "command line: expected a subcommand: one of " + kCommands + " (dfsim --help lists the subcommands)");
    expect_refused("--verbose run",
                   "command line: unknown option '--verbose' of dfsim (dfsim --help lists the "
                   "subcommands)");
    expect_refused("run rs",
                   "command line: The following argument was not expected: rs (dfsim run --help lists its "
                   "options)");
    expect_refused("run --batch 0",
                   "command line: --batch: Value 0 not in range 1 to 4096 (dfsim run --help lists its options)");
    expect_refused("quantize --out q.npy", "command line: --in is required (dfsim quantize --help lists its options)");
}

// A dataflow name that is not registered is refused with the list and the nearest names, by run,
// compare and sweep and in a mapping file; the sweep makes no folder.
TEST_F(CliErrors, UnknownDataflowsSuggestTheNearest) {
    const std::string all = "{ws, os-a, os-b, os-c, nlr, rs}";
    const std::string net =
        write("net.yaml", "name: n\nlayers:\n  - {name: A, C: 3, H: 8, W: 8, M: 4, R: 3, S: 3, padding: 1}\n");
    expect_refused("run --workload " + net + " --dataflow RS",
                   "command line: field '--dataflow': expected one of " + all + ", got 'RS'; did you mean 'rs'?");
    expect_refused("run --workload " + net + " --dataflow os-d", "command line: field '--dataflow': expected one of " +
                                                                     all +
                                                                     ", got 'os-d'; did you mean 'os-a', 'os-b' "
                                                                     "or 'os-c'?");
    expect_refused("run --workload " + net + " --dataflow weight",
                   "command line: field '--dataflow': expected one of " + all + ", got 'weight'");
    expect_refused(
        "compare --workload " + net + " --dataflows rs,nrl --out o",
        "command line: field '--dataflows': unknown dataflow 'nrl': expected one of " + all + "; did you mean 'nlr'?");
    expect_refused(
        "sweep --workload " + net + " --dataflows ws,sw --no-plots --out o",
        "command line: field '--dataflows': unknown dataflow 'sw': expected one of " + all + "; did you mean 'ws'?");
    const std::string pin = write("pin.yaml", "dataflow: rz\nlayers: {}\n");
    expect_refused("run --workload " + net + " --mapping " + pin,
                   pin + ":1:11: field 'dataflow': expected one of " + all + ", got 'rz'; did you mean 'rs'?");
}

// --layers matches names in any case (an exact spelling first); a miss lists the network's layers
// (the first 20, then how many more) with the nearest names; a name that two layers spell in
// different cases must be given exactly.
TEST_F(CliErrors, LayerNamesMatchInAnyCase) {
    const std::string layer = ", C: 3, H: 8, W: 8, M: 4, R: 3, S: 3, padding: 1}\n";
    const std::string net = write("net.yaml", "name: n\nlayers:\n  - {name: Alpha" + layer + "  - {name: Beta" + layer);
    CmdResult r = run("run --workload " + net + " --layers beta,ALPHA");
    ASSERT_EQ(r.code, 0) << r.err;
    const size_t beta = r.out.find("\nBeta "), alpha = r.out.find("\nAlpha ");
    ASSERT_NE(beta, std::string::npos) << r.out;
    ASSERT_NE(alpha, std::string::npos) << r.out;
    EXPECT_LT(beta, alpha);  // in the order given
    expect_refused("run --workload " + net + " --layers alpah",
                   "command line: field '--layers': no layer of " + net +
                       " matches 'alpah'; did you mean 'Alpha'? (its layers: Alpha, Beta; or all, conv, fc, gemm, "
                       "matmul, pool, add, concat, softmax, layernorm, gelu)");
    expect_refused("run --workload " + net + " --layers Gamma",
                   "command line: field '--layers': no layer of " + net +
                       " matches 'Gamma' (its layers: Alpha, Beta; or all, conv, fc, gemm, matmul, pool, add, concat, "
                       "softmax, layernorm, gelu)");

    const std::string cased = write("cased.yaml", "name: c\nlayers:\n  - {name: x" + layer + "  - {name: X" + layer +
                                                      "  - {name: Conv1" + layer + "  - {name: CONV1" + layer);
    r = run("run --workload " + cased + " --layers X,Conv1");  // exact names: one layer each
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("\nX "), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("\nx "), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("\nCONV1 "), std::string::npos) << r.out;
    expect_refused("run --workload " + cased + " --layers conv1",
                   "command line: field '--layers': 'conv1' matches the layers Conv1, CONV1 of " + cased +
                       ", which differ only in case: give the name as the file spells it");

    std::string many = "name: m\nlayers:\n";
    for (int i = 0; i < 30; ++i) many += "  - {name: L" + std::to_string(i) + layer;
    const std::string big = write("many.yaml", many);
    std::string first20;
    for (int i = 0; i < 20; ++i) first20 += (i ? ", L" : "L") + std::to_string(i);
    expect_refused(
        "run --workload " + big + " --layers M99",
        "command line: field '--layers': no layer of " + big + " matches 'M99' (its layers: " + first20 +
            ", ... and 10 more; or all, conv, fc, gemm, matmul, pool, add, concat, softmax, layernorm, gelu)");
}

// --dataflow and --dataflows are one option: run and bench take one dataflow under either name
// (several are refused), compare and sweep one or several under either name.
TEST_F(CliErrors, DataflowAndDataflowsAreOneOption) {
    const std::string net =
        write("net.yaml", "name: n\nlayers:\n  - {name: A, C: 3, H: 8, W: 8, M: 4, R: 3, S: 3, padding: 1}\n");
    CmdResult r = run("run --workload " + net + " --dataflows ws");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.substr(0, r.out.find('\n')).find(", dataflow ws,"), std::string::npos) << r.out;
    r = run("bench --workload " + net + " --dataflows os-b");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out.rfind("dfsim bench: n on eyeriss, dataflow os-b,", 0), 0u) << r.out;
    for (const std::string cmd : {"run", "bench"})
        expect_refused(cmd + " --workload " + net + " --dataflows rs,ws",
                       "command line: field '--dataflow': expected one dataflow (dfsim compare and dfsim sweep take "
                       "several), got 'rs,ws'");
    r = run("compare --workload " + net + " --dataflow nlr");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("1 dataflow,"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\nA     nlr "), std::string::npos) << r.out;
    r = run("sweep --workload " + net + " --dataflow ws,rs --no-plots --jobs 1 --out sw");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("dfsim sweep: 2 points"), std::string::npos) << r.out;
    const std::string csv = slurp(dir / "sw/results.csv");
    EXPECT_NE(csv.find(",ws,"), std::string::npos) << csv;
    EXPECT_NE(csv.find(",rs,"), std::string::npos) << csv;
}

namespace {

// The first line `command` prints on stdout ("" if it fails or prints nothing).
std::string first_line_of(const std::string& command) {
    std::string line;
    if (FILE* p = ::popen(command.c_str(), "r")) {
        char buf[256];
        if (std::fgets(buf, sizeof buf, p)) line = buf;
        ::pclose(p);
    }
    return line.substr(0, line.find('\n'));
}

}  // namespace

// dfsim --version and dfsim version print the project's version (CMakeLists.txt) and the source
// tree's commit when it was built (HEAD or, if commits came after the build, one of its
// ancestors; "unknown" outside a git checkout), exit code 0 and nothing on stderr.
TEST_F(CliErrors, VersionNamesTheReleaseAndTheCommit) {
    std::ifstream cmake(src("CMakeLists.txt"));
    std::string text((std::istreambuf_iterator<char>(cmake)), std::istreambuf_iterator<char>());
    std::smatch m;
    ASSERT_TRUE(std::regex_search(text, m, std::regex(R"(project\(dfsim VERSION ([0-9]+)\.([0-9]+)\.([0-9]+))")));
    const std::string version = std::string(m[1]) + "\\." + std::string(m[2]) + "\\." + std::string(m[3]);
    const std::string git = "git -C " + src("") + " ";
    const bool checkout = first_line_of(git + "rev-parse --short=12 HEAD 2>/dev/null").size() == 12;
    for (const std::string args : {"--version", "version"}) {
        SCOPED_TRACE(args);
        const CmdResult r = run(args);
        EXPECT_EQ(r.code, 0);
        EXPECT_EQ(r.err, "");
        const std::regex line("dfsim " + version + R"( \(git ([0-9a-f]{12}(-modified)?|unknown)\)\n)");
        ASSERT_TRUE(std::regex_match(r.out, m, line)) << r.out;
        const std::string commit = std::string(m[1]).substr(0, 12);
        if (!checkout) {
            EXPECT_EQ(commit, "unknown");
            continue;
        }
        ASSERT_NE(commit, "unknown");
        EXPECT_EQ(first_line_of(git + "merge-base --is-ancestor " + commit + " HEAD 2>/dev/null && echo yes"), "yes")
            << commit << " is not HEAD or one of its ancestors";
    }
    expect_refused("version --long",
                   "command line: unknown option '--long' of dfsim version (dfsim version --help lists its options)");
}

// A report, trace, codes or sidecar file in a folder that does not exist is refused before
// anything runs, naming the option and the folder (exit code 2): dfsim makes no folder for a file.
// A mapping cache's folder is made, but not its parents.
TEST_F(CliErrors, FilesInMissingFoldersAreRefusedAndNoFolderIsMade) {
    const std::string net =
        write("net.yaml", "name: n\nlayers:\n  - {name: A, C: 3, H: 8, W: 8, M: 4, R: 3, S: 3, padding: 1}\n");
    FloatTensor x(2, 3, 1, 1);
    for (size_t i = 0; i < x.data.size(); ++i) x.data[i] = 0.25f * static_cast<float>(i) - 0.5f;
    write_npy((dir / "x.npy").string(), x, {2, 3});
    const std::string missing = "the folder nodir does not exist (dfsim does not create it)";
    struct Case {
        std::string args, option, folder;
    };
    const std::vector<Case> cases = {
        {"run --workload " + net + " --json nodir/r.json", "--json", "nodir"},
        {"run --workload " + net + " --csv nodir/deeper/r.csv", "--csv", "nodir/deeper"},
        {"run --workload " + net + " --html nodir/r.html", "--html", "nodir"},
        {"run --workload " + net + " --trace nodir/t.vcd", "--trace", "nodir"},
        {"run --workload " + net + " --json " + (dir / "nodir/r.json").string(), "--json", (dir / "nodir").string()},
        {"compare --workload " + net + " --dataflows rs --html nodir/c.html", "--html", "nodir"},
        {"export --workload " + net + " --out nodir/net.csv", "--out", "nodir"},
        {"corpus --random 1 --networks none --dataflows rs --json nodir/c.json", "--json", "nodir"},
        {"quantize --in x.npy --out nodir/q.npy", "--out", "nodir"},
        {"quantize --in x.npy --out q.npy --sidecar nodir/q.json", "--sidecar", "nodir"},
    };
    for (const Case& c : cases)
        expect_refused(c.args, "command line: field '" + c.option +
                                   "': expected a file in an existing folder, but the "
                                   "folder " +
                                   c.folder + " does not exist (dfsim does not create it)");
    expect_refused("run --workload " + net + " --mapping-cache nodir/cache",
                   "command line: field '--mapping-cache': expected a folder in an existing one (dfsim makes the "
                   "cache's folder, not its parents), but the folder nodir does not exist");
    const CmdResult r = run("run --workload " + net + " --mapping-cache cache/");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(fs::is_directory(dir / "cache")) << r.err;
}

// compare and sweep make their --out folder only once every input has been checked: a bad
// --precisions preset, a layer the PE cannot run, a bad --set value, a bad workload or sweep spec
// leave no folder.
TEST_F(CliErrors, RefusedComparesAndSweepsMakeNoFolder) {
    const std::string net =
        write("net.yaml", "name: n\nlayers:\n  - {name: A, C: 3, H: 8, W: 8, M: 4, R: 3, S: 3, padding: 1}\n");
    std::string arch = slurp(src("configs/arch/eyeriss.yaml"));
    const std::string narrow = write("narrow.yaml", arch.replace(arch.find("mac_bits: 8"), 11, "mac_bits: 4"));
    const std::string bad_net =
        write("bad.yaml", "name: b\nlayers:\n  - {name: A, C: 0, H: 8, W: 8, M: 4, R: 3, S: 3}\n");
    const std::string spec = write("spec.yaml", "workload: " + net + "\ndataflows: [rs]\naxes: {glb_kb: [0]}\n");
    for (const std::string& args : std::vector<std::string>{
             "compare --workload " + net + " --dataflows rs --precisions int8,w17a3 --out o/deep",
             "compare --arch " + narrow + " --workload " + net + " --dataflows rs,ws --out o/deep",
             "compare --workload " + bad_net + " --dataflows rs --out o/deep",
             "sweep --workload " + net + " --dataflows rs --set pe_array.rows=abc --no-plots --out o/deep",
             "sweep --workload " + net + " --dataflows rs --set pe_array.rowz=4 --no-plots --out o/deep",
             "sweep --workload " + bad_net + " --dataflows rs --no-plots --out o/deep",
             "sweep --spec " + spec + " --no-plots --out o/deep",
         }) {
        SCOPED_TRACE(args);
        const CmdResult r = run(args);
        EXPECT_EQ(r.code, 2) << r.err;
        EXPECT_EQ(r.err.rfind("dfsim: error: ", 0), 0u) << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
        EXPECT_FALSE(fs::exists(dir / "o")) << r.err;
    }
}

// The help says what --workload takes (YAML, SCALE-Sim .csv, ONNX .onnx, Timeloop problems) on every command that
// reads one, and sweep --help points at the spec format's section in docs/sweep.md, whose example
// spec runs as written.
TEST_F(CliErrors, HelpNamesTheWorkloadFormatsAndTheSpecDocs) {
    for (const std::string cmd : {"run", "bench", "compare", "sweep", "export"}) {
        SCOPED_TRACE(cmd);
        const CmdResult r = run(cmd + " --help");
        EXPECT_EQ(r.code, 0) << r.err;
        EXPECT_NE(r.out.find("network: a network YAML (layer types conv, fc, gemm, matmul; host: pool, add, concat, "
                             "softmax, layernorm, gelu), a SCALE-Sim topology .csv, an ONNX .onnx, a Timeloop problem"),
                  std::string::npos)
            << r.out;
    }
    const CmdResult help = run("sweep --help");
    const std::string said = "docs/sweep.md, 'Spec format'";
    ASSERT_NE(help.out.find(said), std::string::npos) << help.out;
    EXPECT_EQ(help.out.find(".h)"), std::string::npos) << help.out;  // no C++ header
    const std::string doc = slurp(src("docs/sweep.md"));
    ASSERT_NE(doc.find("\n## Spec format\n"), std::string::npos);
    const size_t begin = doc.find("```yaml\n"), end = doc.find("```", begin + 8);
    ASSERT_NE(begin, std::string::npos);
    ASSERT_NE(end, std::string::npos);
    write("lenet-sweep.yaml", doc.substr(begin + 8, end - begin - 8));
    const CmdResult r = run("sweep --spec lenet-sweep.yaml --no-plots --jobs 1");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("dfsim sweep: 16 points"), std::string::npos) << r.out;
    EXPECT_TRUE(fs::exists(dir / "lenet-sweep/results.csv"));
}
