// A test fixture with a private temporary directory (named after the process and the test, so
// tests can run in parallel) and a way to run the dfsim binary in it.
#pragma once
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

namespace dfsim::test {

// The dfsim binary the tests run: DFSIM_TEST_BINARY if set (tools/test.sh points it at the
// AddressSanitizer build's, build-sanitize/dfsim), else the one built beside the tests.
inline const char* dfsim_binary() {
    const char* e = std::getenv("DFSIM_TEST_BINARY");
    return e && *e ? e : DFSIM_BINARY;
}

struct CmdResult {
    int code;  // exit code (-1 if it did not exit normally)
    std::string out, err;
};

// What two runs' reports may differ in when they must agree otherwise, masked:
// - the exact command line the provenance names (report/provenance.h), for reports of other
//   --jobs, --out or file names: the text's "command: ...", the JSON's "command" and the CSV's
//   last column;
// - the mapper's host wall time (MapperStats::host_seconds), a measurement of the machine: the
//   text's "in 0.051 s of host time" (maybe wrapped) and the JSON's "host_seconds".
inline std::string without_host_times(const std::string& s) {
    std::string out = std::regex_replace(s, std::regex(R"(in [0-9]+\.[0-9]+(\s+)s(\s+)of(\s+)host(\s+)time)"),
                                         "in T$1s$2of$3host$4time");
    return std::regex_replace(out, std::regex(R"("host_seconds":( ?)[-+0-9.eE]+)"), R"("host_seconds":$1T)");
}
inline std::string masked_report(const std::string& s) {
    std::string out = std::regex_replace(s, std::regex("command: dfsim [^\n]*"), "command: COMMAND");
    out = std::regex_replace(out, std::regex(R"("command": "dfsim ([^"\\]|\\.)*")"), R"("command": "COMMAND")");
    return without_host_times(std::regex_replace(out, std::regex(",\"?dfsim [^\n]*"), ",COMMAND"));
}

class TempDirTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir =
            std::filesystem::temp_directory_path() / ("dfsim_" + std::to_string(::getpid()) + "_" +
                                                      ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
    }
    void TearDown() override { std::filesystem::remove_all(dir); }
    std::string write(const std::string& name, const std::string& text) {
        const std::filesystem::path p = dir / name;
        std::ofstream(p) << text;
        return p.string();
    }
    static std::string slurp(const std::filesystem::path& p) {
        std::ifstream in(p, std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }
    // Runs `dfsim <args>`, after the shell assignments in `env` if any, capturing its output.
    CmdResult dfsim(const std::string& args, const std::string& env = "") {
        const std::filesystem::path o = dir / "stdout.txt", e = dir / "stderr.txt";
        const std::string cmd =
            env + " " + std::string(dfsim_binary()) + " " + args + " >" + o.string() + " 2>" + e.string();
        const int st = std::system(cmd.c_str());
        return CmdResult{WIFEXITED(st) ? WEXITSTATUS(st) : -1, slurp(o), slurp(e)};
    }
    std::filesystem::path dir;
};

}  // namespace dfsim::test
