// dfsim command line: parse, run the subcommand (one file each, tools/dfsim/*.cpp), and turn
// every error into one line on stderr and its exit code (tools/dfsim/cli.h, README "Exit codes").
// No exception reaches SystemC's sc_elab_and_sim, which would print it on stdout and return 1.
#include <CLI/CLI.hpp>
#include <systemc>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <new>
#include <string>
#include <vector>

#include "base/error.h"
#include "tools/dfsim/cli.h"

using namespace dfsim;
using namespace dfsim::cli;

namespace {

// DFSIM_PARSE_ONLY=1 (tests only; tests/test_doc_examples.cpp checks the docs' commands with it):
// exit 0 once the command line has parsed, before any subcommand runs or reads a file.
bool parse_only() {
    const char* v = std::getenv("DFSIM_PARSE_ONLY");
    return v && std::string(v) == "1";
}

int parse_and_run(int argc, char** argv) {
    CLI::App app{"dfsim: cycle-accurate simulator of DNN accelerator dataflows"};
    app.require_subcommand(1);
    const std::vector<Command> commands = {
        add_run_command(app),      add_bench_command(app),  add_list_command(app),
        add_export_command(app),   add_sweep_command(app),  add_compare_command(app),
        add_quantize_command(app), add_corpus_command(app), add_version_command(app)};
    set_command_line(argc, argv);
    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {  // --help, --version: on stdout, exit code 0
        return app.exit(e);
    } catch (const CLI::ParseError& e) {  // one line, as every other error
        const std::vector<std::string> args(argv + std::min(argc, 1), argv + argc);
        std::cerr << "dfsim: error: command line: " << parse_error_message(app, args, e) << "\n";
        return kExitBadInput;
    }
    if (test_fault("assert")) DFSIM_ASSERT(false, "DFSIM_TEST_FAULT=assert (test only)");
    if (parse_only()) return kExitOk;
    for (const Command& c : commands)
        if (c.app->parsed()) return c.run();
    return kExitBadInput;  // unreachable: require_subcommand(1)
}

int internal_error(const std::string& what) {
    std::cerr << "dfsim: internal error: " << what
              << "; this is a bug in dfsim; please report it with the command line and input files\n";
    return kExitInternal;
}

// Every exception, by class, to its message and exit code.
int run_guarded(int argc, char** argv) {
    try {
        return parse_and_run(argc, argv);
    } catch (const UserError& e) {
        std::cerr << "dfsim: error: " << e.what() << "\n";
        return kExitBadInput;
    } catch (const IoError& e) {
        std::cerr << "dfsim: error: " << e.what() << "\n";
        return kExitIo;
    } catch (const std::filesystem::filesystem_error& e) {  // creating or clearing an output directory
        std::cerr << "dfsim: error: " << e.what() << "\n";
        return kExitIo;
    } catch (const std::bad_alloc&) {
        std::cerr << "dfsim: error: out of memory\n";
        return kExitInternal;
    } catch (const InternalError& e) {
        return internal_error(e.what());
    } catch (const std::exception& e) {
        return internal_error(std::string("unexpected exception: ") + e.what());
    } catch (...) {
        return internal_error("unexpected exception of unknown type");
    }
}

}  // namespace

int sc_main(int argc, char** argv) { return run_guarded(argc, argv); }

int main(int argc, char** argv) {
    // SystemC's banner would otherwise precede every report
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
#ifdef __GLIBC__
    // The mapper builds and drops many vectors of a few hundred KB a layer (its memos and
    // estimates); with glibc's defaults each went back to the kernel and came back as fresh
    // zeroed pages (page faults were 10-15% of an analytical sweep). Freed memory stays with the
    // process instead: the peak is the same, the analytical sweep about 10% faster.
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
#endif
    return sc_core::sc_elab_and_sim(argc, argv);
}
