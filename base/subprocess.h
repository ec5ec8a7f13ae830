// Running another program (the Slurm clients sbatch, squeue, sacct) and capturing what it prints:
// fork and exec with its standard output and error read through pipes, no shell in between.
#pragma once
#include <string>
#include <vector>

namespace dfsim {

struct CommandOutput {
    int code = -1;  // exit code; -1 if it was killed by a signal; 127 if it could not be run
    std::string out, err;  // its standard output and standard error
};

// Runs argv[0] (looked up on PATH when it has no '/') with the arguments argv[1..], its standard
// input /dev/null, and waits for it. A program that cannot be run gives code 127 and the reason in
// `err`.
CommandOutput run_command(const std::vector<std::string>& argv);

// The path of `name` on PATH (the first executable file of that name), or "" if there is none.
std::string find_on_path(const std::string& name);

// `s` as one word of a POSIX shell command: in single quotes unless it is all letters, digits
// and "-_./=:,%+@" (a quote inside becomes '\'').
std::string shell_quote(const std::string& s);

}  // namespace dfsim
