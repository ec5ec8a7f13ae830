// Golden outputs: the runs listed in tests/golden/runs.txt (default AlexNet on rs, every dataflow
// on LeNet-5, quantized and chained runs, RLC and zero skipping, compares and sweeps) must give
// the files pinned under tests/golden/<run>/ byte for byte. They pin the figures audited by hand
// when each feature was introduced, so a restructuring of the code cannot move them silently.
// Paths are normalised (the source tree -> @SRC@, the run's directory -> @OUT@), and so is the
// build that wrote them (masked_build): the provenance's dfsim version and git commit; and so is
// the mapper's host time (without_host_times), a measurement of the machine.
// DFSIM_UPDATE_GOLDEN=1 rewrites the pinned files instead of comparing (on purpose only).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "tests/cli_fixture.h"
#include "tests/test_util.h"

namespace fs = std::filesystem;

namespace {

struct GoldenRun {
    std::string name, args;
    std::vector<std::string> files;
};

// gtest prints a parameter with this (else as raw bytes in the test's CTest name)
void PrintTo(const GoldenRun& r, std::ostream* os) { *os << r.name; }

std::string trim(const std::string& s) {
    const size_t a = s.find_first_not_of(" \t"), b = s.find_last_not_of(" \t");
    return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

std::vector<GoldenRun> golden_runs() {
    std::vector<GoldenRun> runs;
    std::ifstream in(dfsim::test::src("tests/golden/runs.txt"));
    for (std::string line; std::getline(in, line);) {
        if (trim(line).empty() || trim(line)[0] == '#') continue;
        const size_t a = line.find('|'), b = line.find('|', a + 1);
        if (a == std::string::npos || b == std::string::npos) continue;
        GoldenRun r{trim(line.substr(0, a)), trim(line.substr(a + 1, b - a - 1)), {}};
        std::istringstream fs_(line.substr(b + 1));
        for (std::string f; fs_ >> f;) r.files.push_back(f);
        runs.push_back(r);
    }
    return runs;
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
    if (from.empty()) return;
    for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size()))
        s.replace(p, from.size(), to);
}

// The first line where a and b differ, for the failure message.
std::string first_difference(const std::string& a, const std::string& b) {
    std::istringstream x(a), y(b);
    std::string la, lb;
    for (int n = 1;; ++n) {
        const bool ga = static_cast<bool>(std::getline(x, la)), gb = static_cast<bool>(std::getline(y, lb));
        if (!ga && !gb) return "same lines, different bytes";
        if (!ga || !gb || la != lb)
            return "line " + std::to_string(n) + ":\n  pinned: " + (gb ? lb : "<end>") +
                   "\n  now:    " + (ga ? la : "<end>");
    }
}

// The reports' provenance names dfsim's version and the git commit it was built from, which move
// with every release and commit: each is masked where the reports write it (report/provenance.h),
// the text's and HTML's "dfsim 0.1.0 (git 33f002e1a2b3)", the JSON's "dfsim_version" and
// "git_commit" and the CSV's dfsim_version,git_commit columns. Nothing else is masked.
std::string masked_build(const std::string& s) {
    static const std::string commit = R"(([0-9a-f]{7,40}(-modified)?|unknown))";
    static const std::vector<std::pair<std::regex, std::string>> masks = {
        {std::regex(R"(dfsim [0-9]+\.[0-9]+\.[0-9]+[^ ]* \(git )" + commit + R"(\))"), "dfsim VERSION (git COMMIT)"},
        {std::regex(R"("dfsim_version": "[^"]*")"), R"("dfsim_version": "VERSION")"},
        {std::regex(R"("git_commit": "[^"]*")"), R"("git_commit": "COMMIT")"},
        {std::regex(R"(,[0-9]+\.[0-9]+\.[0-9]+[^,]*,)" + commit + ","), ",VERSION,COMMIT,"},
    };
    std::string out = s;
    for (const auto& [re, with] : masks) out = std::regex_replace(out, re, with);
    return out;
}

class Golden : public dfsim::test::TempDirTest, public ::testing::WithParamInterface<GoldenRun> {};

}  // namespace

TEST_P(Golden, ReproducesPinnedOutputs) {
    const GoldenRun& run = GetParam();
    const std::string src = DFSIM_SOURCE_DIR;
    std::string args = run.args;
    replace_all(args, "@OUT@", dir.string());
    const std::string cmd = "cd " + src + " && " + std::string(dfsim::test::dfsim_binary()) + " " + args + " >" +
                            (dir / "stdout.txt").string() + " 2>" + (dir / "stderr.txt").string();
    const int st = std::system(cmd.c_str());
    ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << cmd << "\n" << slurp(dir / "stderr.txt");
    const bool update = std::getenv("DFSIM_UPDATE_GOLDEN") != nullptr;
    const fs::path pinned_dir = fs::path(src) / "tests/golden" / run.name;
    for (const std::string& f : run.files) {
        ASSERT_TRUE(fs::exists(dir / f)) << run.name << ": the run wrote no " << f;
        std::string now = slurp(dir / f);
        replace_all(now, dir.string(), "@OUT@");
        replace_all(now, src, "@SRC@");
        now = dfsim::test::without_host_times(masked_build(now));
        const fs::path pinned = pinned_dir / f;
        if (update) {
            fs::create_directories(pinned.parent_path());
            std::ofstream(pinned, std::ios::binary) << now;
            continue;
        }
        ASSERT_TRUE(fs::exists(pinned)) << pinned << " is missing (DFSIM_UPDATE_GOLDEN=1 writes it)";
        const std::string want = slurp(pinned);
        EXPECT_TRUE(now == want) << run.name << "/" << f << " differs from the pinned output at "
                                 << first_difference(now, want);
    }
}

INSTANTIATE_TEST_SUITE_P(Runs, Golden, ::testing::ValuesIn(golden_runs()),
                         [](const ::testing::TestParamInfo<GoldenRun>& i) { return i.param.name; });
