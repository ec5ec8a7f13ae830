// Untrusted names in file names and plots: safe_file_name (base/safe_name.h) keeps every name
// one plain path component inside its folder, different names apart; compare's stored results
// stay inside --out whatever the layers are called; a name cannot break out of a gnuplot string.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <set>

#include "base/safe_name.h"
#include "report/compare_report.h"
#include "report/gnuplot.h"
#include "study/compare.h"
#include "tests/cli_fixture.h"
#include "tests/test_util.h"

using namespace dfsim;
using namespace dfsim::test;
namespace fs = std::filesystem;

namespace {

// One plain path component: [A-Za-z0-9._-], no leading dot, at most max_bytes bytes.
bool plain_component(const std::string& f, size_t max_bytes = kMaxSafeNameBytes) {
    if (f.empty() || f.size() > max_bytes || f[0] == '.') return false;
    for (char c : f)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') return false;
    return true;
}

const std::string kLong(300, 'L');

}  // namespace

TEST(SafeFileName, PlainNamesStayAndOthersBecomeOneComponent) {
    for (const std::string n : {"conv1", "CONV1_2", "res2a_branch2a", "fc-8", "a.b"}) EXPECT_EQ(safe_file_name(n), n);
    const std::vector<std::string> hostile = {"../../X",
                                              "/etc/passwd",
                                              "..",
                                              ".",
                                              ".hidden",
                                              "",
                                              std::string("a\0b", 3),
                                              "a/b",
                                              "a\nb",
                                              "caf\xc3\xa9",
                                              "\xff\xfe",
                                              kLong,
                                              kLong + "/../x",
                                              "a_b--0123456789abcdef"};  // looks like an encoded name
    for (const std::string& n : hostile) {
        const std::string f = safe_file_name(n);
        EXPECT_TRUE(plain_component(f)) << "'" << n << "' -> '" << f << "'";
        EXPECT_NE(f, n) << "not plain, so encoded";
        EXPECT_EQ(f, safe_file_name(n)) << "the same name, the same file";
        EXPECT_EQ(fs::path("out") / f, (fs::path("out") / f).lexically_normal()) << f;
        EXPECT_EQ((fs::path("out") / f).parent_path(), fs::path("out")) << f;
    }
    EXPECT_EQ(safe_file_name("../../X").substr(0, 9), "_._.._X--");
    EXPECT_EQ(safe_file_name(kLong).size(), kMaxSafeNameBytes);
}

// Names that differ only in bytes the encoding replaces, or past the cut, still get different
// files: 20000 random names over a hostile alphabet, and long names differing in the last byte.
TEST(SafeFileName, DifferentNamesGetDifferentFiles) {
    const std::string alphabet = std::string("a_./-\n\0\xff", 8);
    std::mt19937 rng(7);
    std::set<std::string> names;
    std::set<std::string> files;
    while (names.size() < 20000) {
        std::string n(1 + rng() % 6, ' ');
        for (char& c : n) c = alphabet[rng() % alphabet.size()];
        if (names.insert(n).second) {
            EXPECT_TRUE(files.insert(safe_file_name(n)).second) << n;
        }
    }
    EXPECT_NE(safe_file_name(kLong + "a"), safe_file_name(kLong + "b"));
    EXPECT_NE(safe_file_name("a/b"), safe_file_name("a_b"));
    EXPECT_NE(safe_file_name("a/b"), safe_file_name("a\\b"));
    SafeNames seen;
    EXPECT_EQ(seen.file_name("a/b"), seen.file_name("a/b"));  // the same name again is no collision
    EXPECT_NE(seen.file_name("a/b"), seen.file_name("a:b"));
}

// compare with resumable results: layers named "../", "/", with NUL and of 300 characters write
// their files inside the results folder, each its own, and a rerun finds them all.
TEST(SafeFileName, CompareResultsStayInsideTheirFolder) {
    const fs::path root = fs::temp_directory_path() / ("dfsim_names_" + std::to_string(::getpid()));
    fs::remove_all(root);
    const fs::path results = root / "out" / "results";
    Network net;
    net.name = "hostile";
    for (const std::string& n : {std::string("../../X"), std::string("/tmp/abs"), std::string("a\0b", 3), kLong}) {
        net.layers.push_back(conv(n, 2, 6, 6, 3, 3, 3));
        net.layers.back().name = n;
    }
    const std::vector<std::string> dfs{"ws", "rs"};
    std::ostringstream log1, log2;
    run_compare(net, small_arch(), table45(), dfs, RunOptions{}, &log1, results.string());
    size_t files = 0;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
        if (!e.is_regular_file()) continue;
        ++files;
        EXPECT_EQ(e.path().parent_path(), results) << e.path();
        EXPECT_TRUE(plain_component(e.path().filename().string(), 255)) << e.path();
    }
    EXPECT_EQ(files, net.layers.size() * dfs.size());
    EXPECT_FALSE(fs::exists(root / "X.ws.json"));
    EXPECT_FALSE(fs::exists("/tmp/abs.ws.json"));
    run_compare(net, small_arch(), table45(), dfs, RunOptions{}, &log2, results.string());
    size_t resumed = 0;
    for (size_t p = log2.str().find("(resumed)"); p != std::string::npos; p = log2.str().find("(resumed)", p + 1))
        ++resumed;
    EXPECT_EQ(resumed, files) << log2.str();
    fs::remove_all(root);
}

// A name with a newline cannot end a gnuplot string and start a command of its own: the charts
// render, and the command in the name does not run.
TEST(SafeFileName, NamesCannotInjectGnuplotCommands) {
    EXPECT_EQ(gp_string("a\nb\"c\\"), "\"a?b\\\"c\\\\\"");
    if (std::system("gnuplot --version >/dev/null 2>&1") != 0) GTEST_SKIP() << "gnuplot is not installed";
    const fs::path root = fs::temp_directory_path() / ("dfsim_gp_" + std::to_string(::getpid()));
    fs::remove_all(root);
    const fs::path marker = root / "INJECTED";
    Network net;
    net.name = "n\nsystem(\"touch " + marker.string() + "\")\n#";
    net.layers = {conv("L\tx\ny", 2, 6, 6, 3, 3, 3)};
    const CompareResult c = run_compare(net, small_arch(), table45(), {"ws", "rs"}, RunOptions{});
    write_compare_plots(c, (root / "plots").string());
    EXPECT_TRUE(fs::exists(root / "plots" / "energy_by_level.png"));
    EXPECT_FALSE(fs::exists(marker));
    fs::remove_all(root);
}
