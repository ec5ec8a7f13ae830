// Output directories shared by runs: a second `sweep --out` or `compare --out` on a directory
// another process holds is refused (base/out_lock.h); stored results are reused only when
// every input that decides them is the same; a killed `compare --out` resumes.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "base/out_lock.h"
#include "study/sweep.h"
#include "tests/cli_fixture.h"
#include "tests/test_util.h"
#include "workload/formats/npy.h"

using namespace dfsim;
using namespace dfsim::test;
namespace fs = std::filesystem;

namespace {

class OutDir : public TempDirTest {
protected:
    void SetUp() override {
        TempDirTest::SetUp();
        net = write("net.yaml",
                    "name: small\nlayers:\n"
                    "  - {name: A, C: 3, H: 9, W: 9, M: 4, R: 3, S: 3, padding: 1}\n"
                    "  - {name: B, C: 4, H: 9, W: 9, M: 6, R: 3, S: 3, stride: 2}\n");
    }
    static bool have_gnuplot() { return std::system("gnuplot --version >/dev/null 2>&1") == 0; }
    std::string net;
};

// A process that holds OUT's lock until release() (or the test's end).
class LockHolder {
public:
    explicit LockHolder(const fs::path& out) {
        int ready[2], go[2];
        EXPECT_EQ(::pipe(ready), 0);
        EXPECT_EQ(::pipe(go), 0);
        m_pid = ::fork();
        if (m_pid == 0) {
            ::close(ready[0]);
            ::close(go[1]);
            char c = 'x';
            try {
                const OutputLock lock(out.string());
                (void)!::write(ready[1], &c, 1);
                (void)!::read(go[0], &c, 1);  // until the parent closes its end
            } catch (...) {
                _exit(1);
            }
            _exit(0);
        }
        ::close(ready[1]);
        ::close(go[0]);
        m_go = go[1];
        char c = 0;
        m_locked = ::read(ready[0], &c, 1) == 1;
        ::close(ready[0]);
    }
    ~LockHolder() { release(); }
    void release() {
        if (m_go < 0) return;
        ::close(m_go);
        m_go = -1;
        int st = 0;
        ::waitpid(m_pid, &st, 0);
    }
    pid_t pid() const { return m_pid; }
    bool locked() const { return m_locked; }

private:
    pid_t m_pid = -1;
    int m_go = -1;
    bool m_locked = false;
};

}  // namespace

// While another process holds OUT, a sweep and a compare on it exit 2 naming the lock file and
// the holder's pid, and write nothing; once it is released, the same sweep runs.
TEST_F(OutDir, SecondWriterIsRefusedWhileTheFirstHoldsTheLock) {
    const fs::path out = dir / "out";
    LockHolder holder(out);
    ASSERT_TRUE(holder.locked());
    const std::string lock = (out / ".dfsim.lock").string();
    EXPECT_EQ(slurp(lock), std::to_string(holder.pid()) + "\n");
    const std::string sweep = "sweep --workload " + net + " --layers all --dataflows ws,rs --pe-array 4x5,8x8 " +
                              "--no-plots --jobs 1 --out " + out.string();
    CmdResult r = dfsim(sweep);
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_EQ(r.err.rfind("dfsim: error: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(lock), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("pid " + std::to_string(holder.pid())), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(out / "points"));
    EXPECT_FALSE(fs::exists(out / "results.csv"));
    if (have_gnuplot()) {  // compare --out checks for gnuplot first
        r = dfsim("compare --workload " + net + " --layers all --dataflows ws,rs --out " + out.string());
        EXPECT_EQ(r.code, 2) << r.err;
        EXPECT_NE(r.err.find(lock), std::string::npos) << r.err;
        EXPECT_NE(r.err.find("pid " + std::to_string(holder.pid())), std::string::npos) << r.err;
        EXPECT_FALSE(fs::exists(out / "results"));
        EXPECT_FALSE(fs::exists(out / "compare.csv"));
    }
    holder.release();
    r = dfsim(sweep);
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(fs::exists(out / "results.csv"));
}

// The lock is per open file: a second OutputLock in the same process is refused too (so two
// threads of one program cannot share a directory either), and it is free again once dropped.
TEST_F(OutDir, LockIsExclusiveAndFreedWhenDropped) {
    const std::string out = (dir / "o").string();
    {
        const OutputLock first(out);
        EXPECT_THROW(OutputLock second(out), UserError);
    }
    EXPECT_NO_THROW(OutputLock again(out));
}

// A sweep takes a stored point only when every input is the same: the values of a .npy file the
// workload names (the workload file itself unchanged), and dfsim's version.
TEST_F(OutDir, SweepRowsFromOtherInputsAreNotReused) {
    Tensor4 x(1, 3, 9, 9);
    for (size_t i = 0; i < x.size(); ++i) x.data[i] = static_cast<int32_t>(i % 11) - 5;
    write_npy((dir / "x.npy").string(), x, "i1");
    SweepSpec spec;
    spec.arch_file = src("configs/arch/eyeriss.yaml");
    spec.energy_file = src("configs/energy/45nm.yaml");
    spec.workload_file = write("npynet.yaml",
                               "name: npy\nlayers:\n"
                               "  - {name: L, C: 3, H: 9, W: 9, M: 4, R: 3, S: 3, padding: 1,\n"
                               "     data: {ifmap: {file: x.npy}}}\n");
    spec.layers = "all";
    spec.dataflows = {"ws", "rs"};
    spec.axes = {parse_axis("--pe-array", "4x5,8x8")};
    const std::string out = (dir / "out").string();
    EXPECT_EQ(run_sweep(spec, out, 1).run, 4);
    EXPECT_EQ(run_sweep(spec, out, 1).resumed, 4);
    // other values in the data file: every point runs again
    x.data[7] = 42;
    write_npy((dir / "x.npy").string(), x, "i1");
    SweepSummary s = run_sweep(spec, out, 1);
    EXPECT_EQ(s.run, 4);
    EXPECT_EQ(s.resumed, 0);
    // a point file another dfsim version wrote runs again; the others are reused
    const fs::path p = fs::path(out) / "points" / "2.json";
    nlohmann::json stored = nlohmann::json::parse(std::ifstream(p));
    ASSERT_TRUE(stored["key"].contains("version"));
    stored["key"]["version"] = "0.0.0-other";
    std::ofstream(p) << stored.dump();
    s = run_sweep(spec, out, 1);
    EXPECT_EQ(s.run, 1);
    EXPECT_EQ(s.resumed, 3);
}

// A compare --out killed midway resumes: the rerun loads the pairs written before the kill,
// simulates the rest, drops the killed run's temporary files, and its reports equal an
// uninterrupted run's.
TEST_F(OutDir, KilledCompareResumesToTheUninterruptedReports) {
    using namespace std::chrono_literals;
    if (!have_gnuplot()) GTEST_SKIP() << "gnuplot is not installed (Debian package gnuplot-nox)";
    const std::string medium = write("medium.yaml", R"(name: medium
layers:
  - {name: A, C: 16, H: 32, W: 32, M: 32, R: 3, S: 3, padding: 1, requant: {multiplier: 1, shift: 10, relu: true}}
  - {name: B, C: 32, H: 28, W: 28, M: 24, R: 3, S: 3, stride: 2}
)");
    auto args = [&](const fs::path& out) {
        return std::vector<std::string>{"compare",     "--workload", medium,  "--layers",  "all",
                                        "--dataflows", "ws,os-b,rs", "--out", out.string()};
    };
    const fs::path out = dir / "killed", results = out / "results", log = dir / "killed.log";
    std::vector<std::string> a = args(out);
    std::vector<char*> argv{const_cast<char*>(dfsim_binary())};
    for (std::string& x : a) argv.push_back(x.data());
    argv.push_back(nullptr);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) dup2(fd, STDERR_FILENO), dup2(fd, STDOUT_FILENO);
        execv(dfsim_binary(), argv.data());
        _exit(127);
    }
    auto stored = [&] {
        size_t n = 0;
        std::error_code ec;
        for (auto it = fs::directory_iterator(results, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
            n += it->path().extension() == ".json";
        return n;
    };
    bool exited = false;
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (stored() == 0 && std::chrono::steady_clock::now() < deadline) {
        if (waitpid(pid, nullptr, WNOHANG) == pid) {
            exited = true;
            break;
        }
        std::this_thread::sleep_for(2ms);
    }
    ::kill(pid, SIGKILL);
    if (!exited) waitpid(pid, nullptr, 0);
    ASSERT_FALSE(exited) << "the comparison ended before it stored a result:\n" << slurp(log);
    const size_t written = stored();
    ASSERT_GE(written, 1u);
    ASSERT_LT(written, 6u) << "the comparison finished before the kill: make the layers larger";
    EXPECT_FALSE(fs::exists(out / "compare.csv"));
    std::ofstream(results / "B.rs.json.tmp.999999") << "{\"key\": ";
    std::printf("killed with %zu of 6 results stored\n", written);

    auto command = [](const std::vector<std::string>& v) {
        std::string c;
        for (const std::string& x : v) c += " '" + x + "'";
        return c;
    };
    const CmdResult resumed = dfsim(command(args(out)));
    ASSERT_EQ(resumed.code, 0) << resumed.err;
    size_t lines = 0;
    for (size_t p = resumed.err.find("(resumed)"); p != std::string::npos; p = resumed.err.find("(resumed)", p + 1))
        ++lines;
    EXPECT_EQ(lines, written) << resumed.err;
    EXPECT_FALSE(fs::exists(results / "B.rs.json.tmp.999999"));
    const CmdResult whole = dfsim(command(args(dir / "whole")));
    ASSERT_EQ(whole.code, 0) << whole.err;
    for (const char* f : {"compare.csv", "compare.json", "compare.txt"})
        EXPECT_EQ(masked_report(slurp(out / f)), masked_report(slurp(dir / "whole" / f))) << f;  // another --out
}
