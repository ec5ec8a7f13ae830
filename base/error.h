// Errors for bad user input (configs, workloads, command lines). A simulator bug is an
// assertion (DFSIM_ASSERT); a bad input is a ConfigError naming file, field, position and
// what was expected. The command line maps it to exit code 2.
#pragma once
#include <stdexcept>
#include <string>

namespace dfsim {

class ConfigError : public std::runtime_error {
public:
    // line and column are 1-based; 0 means unknown.
    ConfigError(const std::string& file, const std::string& field, int line, int column,
                const std::string& expected);
    explicit ConfigError(const std::string& message) : std::runtime_error(message) {}
};

// A broken internal invariant: always checked (also in release builds), never for user input.
[[noreturn]] void assert_fail(const char* expr, const char* file, int line, const std::string& msg);

}  // namespace dfsim

#define DFSIM_ASSERT(cond, msg)                                                \
    do {                                                                       \
        if (!(cond)) ::dfsim::assert_fail(#cond, __FILE__, __LINE__, (msg));   \
    } while (0)
