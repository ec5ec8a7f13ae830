// dfsim command line: parse, run the subcommand (one file each, tools/dfsim/*.cpp), and turn
// every error into one line on stderr and its exit code (tools/dfsim/cli.h, README "Exit codes").
// No exception reaches SystemC's sc_elab_and_sim, which would print it on stdout and return 1.
#include <CLI/CLI.hpp>
#include <systemc>

#ifdef __GLIBC__
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

#include <algorithm>
#include <cstdint>
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

#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
namespace {

// The process heap, set up before any library initializes: run from the executable's
// .preinit_array, which the dynamic loader runs before the shared libraries' initializers. Page
// faults are most of a short command's system time (about 2,100 in an analytical sweep of AlexNet
// on four arrays, each taking microseconds on a virtual machine), and two sources dominate:
// - The mapper builds and drops many vectors of a few hundred KB a layer (its memos and
//   estimates); with glibc's defaults each went back to the kernel and came back as fresh zeroed
//   pages. Freed memory stays with the process instead (the mmap and trim thresholds): the peak is
//   the same, the analytical sweep about 10% faster.
// - SystemC 2.3's initializer allocates and zeroes a 3 MiB heap of temporaries (sc_temp_heap in
//   its sc_temporary.cpp) at every start, 768 pages; it runs before main, so only a setup that runs
//   before it can place that buffer.
// The heap is grown once by a 64 MiB pad (virtual: a page costs nothing until touched) and
// advised for transparent huge pages, so that its first touches fault in 2 MiB pages rather than
// 4 KiB ones (on a kernel without them, or with them disabled, madvise fails or does nothing and
// the heap behaves as before). The allocations themselves are glibc's, unchanged. Measured on the
// analytical sweep above (one core, least of 12 alternated rounds): 2,112 page faults -> 384,
// 0.215 s -> 0.193 s; the default `dfsim run` 0.416 s -> 0.389 s; `dfsim --version` 1,141 page
// faults -> 293. Peak memory grows by a few MiB, touched huge pages counting whole (bench: 20 ->
// 21 MiB; with --timing cycle 22 -> 25 MiB).
void setup_heap(int, char**, char**) {
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
    mallopt(M_TOP_PAD, 64 << 20);
    // The heap starts one page below a 2 MiB boundary (the gap below it is never touched): malloc's
    // first chunk header is written there before the advice, and a huge page cannot replace a
    // range that already has a small one, so everything above it, SystemC's buffer among the
    // first, lies in whole huge pages.
    const auto brk_now = [] { return reinterpret_cast<std::uintptr_t>(sbrk(0)); };
    const std::uintptr_t huge = std::uintptr_t{2} << 20, page = static_cast<std::uintptr_t>(getpagesize());
    const std::uintptr_t start = brk_now(), lo = (start + page + huge - 1) & ~(huge - 1);
    if (sbrk(static_cast<intptr_t>(lo - page - start)) == reinterpret_cast<void*>(-1)) return;
    void* volatile first = std::malloc(1);  // volatile: the pair is not elided; grows the heap by the pad
    std::free(first);
    const std::uintptr_t end = brk_now();
    if (end > lo)
        madvise(reinterpret_cast<void*>(lo), end - lo, MADV_HUGEPAGE);  // advice only: a failure changes nothing
}

}  // namespace

__attribute__((section(".preinit_array"), used)) static void (*const dfsim_setup_heap)(int, char**,
                                                                                       char**) = setup_heap;
#endif

int main(int argc, char** argv) {
    // SystemC's banner would otherwise precede every report
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
    return sc_core::sc_elab_and_sim(argc, argv);
}
