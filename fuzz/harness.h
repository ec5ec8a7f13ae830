// The fuzz harnesses' common part: libFuzzer hands each harness bytes; they are written to a
// file (the loaders take paths, as the command line gives them) and passed to the loader the
// command line uses. A UserError is the expected answer to bad input; anything else (another
// exception, a sanitizer report, a signal) is a finding. Built with DFSIM_FUZZ=ON (fuzz/README.md).
#pragma once
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "base/error.h"

namespace dfsim::fuzz {

// A private directory for this process's input files (under $TMPDIR, else /tmp).
inline const std::filesystem::path& work_dir() {
    static const std::filesystem::path dir = [] {
        const char* tmp = std::getenv("TMPDIR");
        std::filesystem::path d =
            std::filesystem::path(tmp && *tmp ? tmp : "/tmp") / ("dfsim_fuzz_" + std::to_string(::getpid()));
        std::filesystem::create_directories(d);
        return d;
    }();
    return dir;
}

// Writes the input to work_dir()/input<ext> and returns its path.
inline std::string write_input(const uint8_t* data, size_t size, const std::string& ext) {
    const std::filesystem::path p = work_dir() / ("input" + ext);
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    out.close();
    return p.string();
}

// Runs load(path of the input); a UserError is a normal outcome.
inline int run(const uint8_t* data, size_t size, const std::string& ext,
               const std::function<void(const std::string&)>& load) {
    const std::string path = write_input(data, size, ext);
    try {
        load(path);
    } catch (const UserError&) {}
    return 0;
}

}  // namespace dfsim::fuzz
