// dfsim sweep --executor slurm without a Slurm: the job array's index lists and script, the
// states squeue and sacct print, the spec file the tasks run, and the command line against fake
// sbatch and squeue commands (the job script is run by hand, task by task, as Slurm would). The
// real Slurm test is tests/slurm/test_slurm_sweep.sh (CTest: Slurm.SweepMatchesLocalSweep).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "base/subprocess.h"
#include "study/slurm.h"
#include "study/sweep.h"
#include "tests/cli_fixture.h"
#include "tests/test_util.h"

using namespace dfsim;
using namespace dfsim::test;
namespace fs = std::filesystem;

TEST(SlurmArray, IndexRangesRoundTrip) {
    EXPECT_EQ(index_ranges({0, 1, 2, 3, 7, 9, 10}), "0-3,7,9-10");
    EXPECT_EQ(index_ranges({5}), "5");
    EXPECT_EQ(index_ranges({}), "");
    EXPECT_EQ(index_ranges({1, 3, 5}), "1,3,5");
    EXPECT_EQ(parse_index_ranges("0-3,7,9-10", 11, "--points"), (std::vector<int>{0, 1, 2, 3, 7, 9, 10}));
    EXPECT_EQ(parse_index_ranges("7,2,2-3", 8, "--points"), (std::vector<int>{2, 3, 7}));  // sorted, once each
    for (const char* bad : {"", "1,", "3-1", "a", "8", "0-8", "-1", "1--2", " 1"}) {
        const std::string e = error_of([&] { parse_index_ranges(bad, 8, "--points"); });
        EXPECT_NE(e.find("--points"), std::string::npos) << bad;
        EXPECT_NE(e.find("expected point indices 0-7"), std::string::npos) << bad << ": " << e;
    }
}

// The missing points {1, 2, 3, 6, 10, 11} of a sweep: one task per point, the task ids being the
// point indices; or groups of 4 points, task ids 0 and 1.
TEST(SlurmArray, JobScriptRunsTheMissingPoints) {
    SlurmArrayJob job{"/opt/dfsim/bin/dfsim",
                      "/data/out/slurm/spec.yaml",
                      "/data/out",
                      {1, 2, 3, 6, 10, 11},
                      1,
                      0,
                      "sbatch --parsable --partition=short /data/out/slurm/sweep.sbatch"};
    EXPECT_EQ(slurm_array_spec(job), "1-3,6,10-11");
    std::string s = slurm_job_script(job);
    EXPECT_EQ(s.rfind("#!/bin/bash\n", 0), 0u);
    EXPECT_NE(s.find("\n#SBATCH --array=1-3,6,10-11\n"), std::string::npos) << s;
    EXPECT_NE(s.find("\n#SBATCH --output=/data/out/slurm/logs/%A_%a.out\n"), std::string::npos) << s;
    EXPECT_NE(s.find("# submitted with: sbatch --parsable --partition=short"), std::string::npos);
    EXPECT_NE(s.find("\nexec /opt/dfsim/bin/dfsim sweep --spec /data/out/slurm/spec.yaml --out /data/out --jobs "
                     "\"${SLURM_CPUS_PER_TASK:-1}\" --points \"$SLURM_ARRAY_TASK_ID\"\n"),
              std::string::npos)
        << s;
    job.max_running = 3;
    EXPECT_EQ(slurm_array_spec(job), "1-3,6,10-11%3");
    job.points_per_task = 4;
    EXPECT_EQ(slurm_task_points(job), (std::vector<std::string>{"1-3,6", "10-11"}));
    EXPECT_EQ(slurm_array_spec(job), "0-1%3");
    s = slurm_job_script(job);
    EXPECT_NE(s.find("\n#SBATCH --array=0-1%3\n"), std::string::npos) << s;
    EXPECT_NE(s.find("\ntasks=(1-3,6 10-11)\n"), std::string::npos) << s;
    EXPECT_NE(s.find("--points \"${tasks[$SLURM_ARRAY_TASK_ID]}\"\n"), std::string::npos) << s;
    job.points = {4};
    EXPECT_EQ(slurm_array_spec(job), "0%3");
    job.dfsim = "/opt/my dfsim/dfsim";  // a blank: quoted for the shell
    EXPECT_NE(slurm_job_script(job).find("exec '/opt/my dfsim/dfsim' sweep"), std::string::npos);
}

TEST(SlurmArray, StatesFromSqueueAndSacct) {
    const auto sq = count_slurm_states("0 COMPLETED\n1 RUNNING\n2 PENDING\n3 PENDING\n4 FAILED\n");
    EXPECT_EQ(sq, (std::map<std::string, int>{{"COMPLETED", 1}, {"RUNNING", 1}, {"PENDING", 2}, {"FAILED", 1}}));
    EXPECT_EQ(slurm_states_line(sq), "2 PENDING, 1 RUNNING, 1 COMPLETED, 1 FAILED");
    const auto sa = count_slurm_states("12_0|COMPLETED\n12_1|CANCELLED by 0\n12_2|TIMEOUT\n\n");
    EXPECT_EQ(sa, (std::map<std::string, int>{{"COMPLETED", 1}, {"CANCELLED", 1}, {"TIMEOUT", 1}}));
    EXPECT_EQ(slurm_states_line(sa), "1 COMPLETED, 1 CANCELLED, 1 TIMEOUT");
    EXPECT_EQ(slurm_states_line({}), "no tasks");
    for (const char* s : {"PENDING", "RUNNING", "COMPLETING", "CONFIGURING", "SUSPENDED", "REQUEUED"})
        EXPECT_TRUE(slurm_state_active(s)) << s;
    for (const char* s : {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL"})
        EXPECT_FALSE(slurm_state_active(s)) << s;
}

TEST(SlurmArray, RunCommandCapturesBothStreams) {
    const CommandOutput r = run_command({"sh", "-c", "echo out; echo err >&2; exit 3"});
    EXPECT_EQ(r.code, 3);
    EXPECT_EQ(r.out, "out\n");
    EXPECT_EQ(r.err, "err\n");
    const CommandOutput missing = run_command({"/nonexistent/sbatch"});
    EXPECT_EQ(missing.code, 127);
    EXPECT_NE(missing.err.find("/nonexistent/sbatch"), std::string::npos);
    EXPECT_EQ(find_on_path("/nonexistent/sbatch"), "");
    EXPECT_NE(find_on_path("sh"), "");
    EXPECT_EQ(shell_quote("a/b-c_d.e=f"), "a/b-c_d.e=f");
    EXPECT_EQ(shell_quote("it's here"), "'it'\\''s here'");
}

// The spec the tasks run gives every point of the command line's sweep: a named axis after a
// --set one goes under `set`, and loads back to the same points.
TEST(SlurmArray, SpecFileLoadsBackToTheSamePoints) {
    SweepSpec spec;
    spec.arch_file = src("configs/arch/eyeriss.yaml");
    spec.workload_file = src("workloads/lenet5.yaml");
    spec.energy_file = src("configs/energy/45nm.yaml");
    spec.dataflows = {"ws", "rs"};
    spec.axes = {parse_axis("--pe-array", "8x8,12x14"), parse_axis("--batch", "1,2"),
                 parse_axis("--set", "pe.psum_spad_words=16,24"), parse_axis("--set", "glb.size_kb=54,108")};
    spec.timing = Timing::Cycle;
    spec.objective = Objective::Edp;
    spec.seed_offset = 7;
    spec.check_output = false;
    const fs::path file = fs::temp_directory_path() / ("dfsim_spec_" + std::to_string(getpid()) + ".yaml");
    std::ofstream(file) << sweep_spec_yaml(spec);
    const SweepSpec back = load_sweep_spec(file.string(), [](const std::string& s) { return s; }).spec;
    fs::remove(file);
    EXPECT_EQ(back.arch_file, spec.arch_file);
    EXPECT_EQ(back.energy_file, spec.energy_file);
    EXPECT_EQ(back.dataflows, spec.dataflows);
    EXPECT_EQ(back.timing, Timing::Cycle);
    EXPECT_EQ(back.objective, Objective::Edp);
    EXPECT_EQ(back.seed_offset, 7u);
    EXPECT_FALSE(back.check_output);
    const auto a = expand(spec), b = expand(back);
    ASSERT_EQ(a.size(), 32u);
    ASSERT_EQ(b.size(), a.size());
    for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].label(), b[i].label());
}

namespace {

// A folder bin/ with fake Slurm commands first on PATH: sbatch records its arguments in
// sbatch.args and prints a job id (or fails, as `sbatch_fails` says), squeue prints `squeue_out`.
class SlurmCli : public TempDirTest {
protected:
    void SetUp() override {
        TempDirTest::SetUp();
        fs::create_directories(dir / "bin");
    }
    void fake(const std::string& name, const std::string& body) {
        const std::string p = write("bin/" + name, "#!/bin/sh\n" + body + "\n");
        ::chmod(p.c_str(), 0755);
    }
    void fake_sbatch(const std::string& body = "echo 4242") {
        fake("sbatch", "printf '%s\\n' \"$@\" > " + (dir / "sbatch.args").string() + "\n" + body);
    }
    std::string env() const { return "PATH=" + (dir / "bin").string() + ":/usr/bin:/bin"; }
    // LeNet-5's conv layers, analytical: 8 points
    std::string sweep(const std::string& out) const {
        return "sweep --arch " + src("configs/arch/eyeriss.yaml") + " --workload " + src("workloads/lenet5.yaml") +
               " --energy " + src("configs/energy/45nm.yaml") +
               " --model analytical --dataflows ws,rs --pe-array 8x8,12x14 --glb-kb 54,108 --no-plots --out " +
               (dir / out).string();
    }
};

}  // namespace

TEST_F(SlurmCli, WithoutSbatchSaysWhatToInstall) {
    const CmdResult r = dfsim(sweep("o") + " --executor slurm", "PATH=" + (dir / "bin").string());
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find("--executor slurm: sbatch not found on PATH"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("apt-get install slurm-client"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir / "o" / "slurm"));
}

TEST_F(SlurmCli, SbatchFailingShowsItsMessage) {
    fake_sbatch("echo 'sbatch: error: invalid partition specified: nope' >&2; exit 1");
    const CmdResult r = dfsim(sweep("o") + " --executor slurm --sbatch-arg=--partition=nope", env());
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find("sbatch failed (exit code 1): sbatch: error: invalid partition specified: nope"),
              std::string::npos)
        << r.err;
    EXPECT_FALSE(fs::exists(dir / "o" / "slurm" / "job.json"));
}

// Points 1, 2, 3 and 6 missing: the job array has those four; its script, run by hand for each
// task as Slurm would, writes them, and --collect gives the local sweep's results.
TEST_F(SlurmCli, SubmitsTheMissingPointsAndTheirTasksCompleteTheSweep) {
    ASSERT_EQ(dfsim(sweep("local") + " --jobs 2").code, 0);
    fs::create_directories(dir / "o");
    fs::copy(dir / "local" / "points", dir / "o" / "points");
    for (int i : {1, 2, 3, 6}) fs::remove(dir / "o" / "points" / (std::to_string(i) + ".json"));
    fake_sbatch();
    CmdResult r =
        dfsim(sweep("o") + " --executor slurm --sbatch-arg=--partition=short --sbatch-arg=--time=0:05:00", env());
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.err.find("submitted Slurm job 4242: 4 of 8 points (4 done already) in 4 tasks, --array=1-3,6;"),
              std::string::npos)
        << r.err;
    const fs::path script = dir / "o" / "slurm" / "sweep.sbatch";
    EXPECT_EQ(slurp(dir / "sbatch.args"), "--parsable\n--partition=short\n--time=0:05:00\n" + script.string() + "\n");
    const std::string text = slurp(script);
    EXPECT_NE(text.find("\n#SBATCH --array=1-3,6\n"), std::string::npos) << text;
    EXPECT_NE(text.find("exec " + fs::canonical(dfsim_binary()).string() + " sweep --spec "), std::string::npos)
        << text;
    EXPECT_NE(slurp(dir / "o" / "slurm" / "job.json").find("\"job_id\": \"4242\""), std::string::npos);
    EXPECT_FALSE(fs::exists(dir / "o" / "results.csv"));  // nothing collected without --wait
    for (int task : {1, 2, 3, 6})
        ASSERT_EQ(std::system(
                      ("SLURM_ARRAY_TASK_ID=" + std::to_string(task) + " bash " + script.string() + " >/dev/null 2>&1")
                          .c_str()),
                  0);
    fake("squeue", "echo 'slurm_load_jobs error: Invalid job id specified' >&2; exit 1");  // forgotten
    r = dfsim("sweep --collect --no-plots --out " + (dir / "o").string(), env());
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("8 points collected from " + (dir / "o").string() + "/points (0 missing, 0 failed)"),
              std::string::npos)
        << r.out;
    for (const char* f : {"results.csv", "results.json"})
        EXPECT_EQ(masked_report(slurp(dir / "o" / f)), masked_report(slurp(dir / "local" / f)))
            << f;  // the same but for the command line that wrote them (their provenance)
    for (int i = 0; i < 8; ++i) {
        const std::string p = "points/" + std::to_string(i) + ".json";
        EXPECT_EQ(without_host_times(slurp(dir / "o" / p)), without_host_times(slurp(dir / "local" / p))) << p;
    }
    // complete: a rerun submits nothing
    fs::remove(dir / "sbatch.args");
    r = dfsim(sweep("o") + " --executor slurm", env());
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.err.find("all 8 points have their files in"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("nothing to submit"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir / "sbatch.args"));
}

// Groups of 3 of the 5 missing points: tasks 0 and 1. --collect before they ran names the
// missing points (exit code 1) and the job's states.
TEST_F(SlurmCli, PointsPerTaskAndCollectNamesTheMissingPoints) {
    fake_sbatch();
    ASSERT_EQ(dfsim(sweep("local") + " --jobs 2").code, 0);
    fs::create_directories(dir / "o");
    fs::copy(dir / "local" / "points", dir / "o" / "points");
    for (int i : {0, 4, 5, 6, 7}) fs::remove(dir / "o" / "points" / (std::to_string(i) + ".json"));
    CmdResult r = dfsim(sweep("o") + " --executor slurm --points-per-task 3 --max-running 1", env());
    ASSERT_EQ(r.code, 0) << r.err;
    const std::string text = slurp(dir / "o" / "slurm" / "sweep.sbatch");
    EXPECT_NE(text.find("\n#SBATCH --array=0-1%1\n"), std::string::npos) << text;
    EXPECT_NE(text.find("\ntasks=(0,4-5 6-7)\n"), std::string::npos) << text;
    fake("squeue", "echo '0 RUNNING'; echo '1 PENDING'");
    r = dfsim("sweep --collect --no-plots --out " + (dir / "o").string(), env());
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_NE(r.err.find("Slurm job 4242: 1 PENDING, 1 RUNNING"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("the job still has tasks to run"), std::string::npos) << r.err;
    EXPECT_NE(r.out.find("(5 missing, 0 failed)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("missing points: 0,4-7 "), std::string::npos) << r.out;
    EXPECT_NE(slurp(dir / "o" / "results.csv").find("missing (no point file of these inputs)"), std::string::npos);
    // a rerun while the job has tasks to run is refused
    r = dfsim(sweep("o") + " --executor slurm", env());
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find("Slurm job 4242 of this sweep"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("scancel 4242"), std::string::npos) << r.err;
    // the job's tasks, by hand
    for (int task : {0, 1})
        ASSERT_EQ(std::system(("SLURM_ARRAY_TASK_ID=" + std::to_string(task) + " bash " +
                               (dir / "o" / "slurm" / "sweep.sbatch").string() + " >/dev/null 2>&1")
                                  .c_str()),
                  0);
    // squeue fails twice (the controller busy), then reports the tasks done: --wait asks again
    const std::string count = (dir / "squeue.calls").string();
    fake("squeue", "echo x >> " + count + "; [ $(wc -l < " + count +
                       ") -gt 2 ] || { echo 'slurm_load_jobs error: Socket timed out on send/recv operation' >&2; "
                       "exit 1; }; echo '0 COMPLETED'; echo '1 COMPLETED'");
    r = dfsim("sweep --collect --wait --no-plots --out " + (dir / "o").string(), env());
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.err.find("Slurm job 4242: squeue failed (slurm_load_jobs error: Socket timed out"), std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("Slurm job 4242: 2 COMPLETED; 5/5 of its points written"), std::string::npos) << r.err;
    EXPECT_EQ(masked_report(slurp(dir / "o" / "results.csv")), masked_report(slurp(dir / "local" / "results.csv")));
}

TEST_F(SlurmCli, OptionsOfTheWrongModeAreRefused) {
    const std::string o = (dir / "o").string();
    const std::pair<std::string, std::string> cases[] = {
        {sweep("o") + " --sbatch-arg=--partition=x", "expected --sbatch-arg with --executor slurm only"},
        {sweep("o") + " --points-per-task 2", "expected --points-per-task with --executor slurm only"},
        {sweep("o") + " --max-running 2", "expected --max-running with --executor slurm only"},
        {sweep("o") + " --wait", "expected --wait with --executor slurm or --collect only"},
        {sweep("o") + " --executor slurm --points 1", "expected --points alone"},
        {sweep("o") + " --collect --executor local", "expected no --executor with --collect"},
        {sweep("o") + " --executor cluster", "--executor"},
        {sweep("o") + " --points 8", "expected point indices 0-7"},
        {sweep("o") + " --points 2-1", "runs backwards"},
        {sweep("o") + " --points-per-task 0", "--points-per-task"},
        {"sweep --collect --out " + o, "expected the sweep's options or --spec: " + o + "/slurm/spec.yaml is missing"},
        {"sweep --collect", "expected the sweep's output directory (--out)"},
    };
    fake_sbatch();
    for (const auto& [args, message] : cases) {
        const CmdResult r = dfsim(args, env());
        EXPECT_EQ(r.code, 2) << args << ": " << r.err;
        EXPECT_NE(r.err.find(message), std::string::npos) << args << ": " << r.err;
    }
    EXPECT_FALSE(fs::exists(dir / "sbatch.args"));
}
