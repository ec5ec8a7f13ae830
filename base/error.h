// The errors dfsim throws, by whose fault they are; the command line gives each class its own
// exit code (README, "Exit codes"):
//   UserError     bad input: a config, workload, command line, mapping file or energy table that
//                 cannot be run (ConfigError, MappingError, hw::CapacityError, PlotError). Exit 2.
//   InternalError a broken internal invariant (a failed DFSIM_ASSERT): a bug in dfsim. Exit 3.
//   IoError       a result that could not be written (unwritable path, disk full). Exit 4.
#pragma once
#include <stdexcept>
#include <string>

namespace dfsim {

// Bad input: the user can fix it by changing a file or an option. The message says what was
// wrong and, where it can, what was expected.
class UserError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Bad input in a named file (or "command line"): the message names file, field, position and
// what was expected.
class ConfigError : public UserError {
public:
    // line and column are 1-based; 0 means unknown.
    ConfigError(const std::string& file, const std::string& field, int line, int column, const std::string& expected);
    explicit ConfigError(const std::string& message) : UserError(message) {}
};

// A job too large for the limits it runs under (--max-memory, the sweep's point limit): the
// message gives the estimate, the limit and the option that lifts it. Exit 2, as bad input.
class ResourceError : public UserError {
public:
    using UserError::UserError;
};

// An output file or directory could not be written. The message is "cannot write PATH: why".
class IoError : public std::runtime_error {
public:
    IoError(const std::string& path, const std::string& why);
    const std::string& path() const { return m_path; }

private:
    std::string m_path;
};

// A broken internal invariant: a bug in dfsim, never the user's input.
class InternalError : public std::logic_error {
public:
    using std::logic_error::logic_error;
};

// Throws InternalError for a failed DFSIM_ASSERT. Always checked (also in release builds).
[[noreturn]] void assert_fail(const char* expr, const char* file, int line, const std::string& msg);

// Test-only fault injection: true when the environment variable DFSIM_TEST_FAULT names `fault`
// ("assert": the command line fails an assertion; "mismatch": the simulator corrupts one output
// value before the check). Documented as test-only in README ("Exit codes").
bool test_fault(const char* fault);

}  // namespace dfsim

#define DFSIM_ASSERT(cond, msg)                                              \
    do {                                                                     \
        if (!(cond)) ::dfsim::assert_fail(#cond, __FILE__, __LINE__, (msg)); \
    } while (0)
