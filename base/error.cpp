#include "base/error.h"

#include <cstdlib>
#include <cstring>
#include <sstream>

namespace dfsim {

static std::string format_error(const std::string& file, const std::string& field, int line, int column,
                                const std::string& expected) {
    std::ostringstream os;
    os << file;
    if (line > 0) os << ":" << line << ":" << column;
    os << ": ";
    if (!field.empty()) os << "field '" << field << "': ";
    os << expected;
    return os.str();
}

ConfigError::ConfigError(const std::string& file, const std::string& field, int line, int column,
                         const std::string& expected)
    : UserError(format_error(file, field, line, column, expected)) {}

IoError::IoError(const std::string& path, const std::string& why)
    : std::runtime_error("cannot write " + path + ": " + why), m_path(path) {}

void assert_fail(const char* expr, const char* file, int line, const std::string& msg) {
    std::ostringstream os;
    os << file << ":" << line << ": assertion '" << expr << "' failed: " << msg;
    throw InternalError(os.str());
}

bool test_fault(const char* fault) {
    const char* v = std::getenv("DFSIM_TEST_FAULT");
    return v && std::strcmp(v, fault) == 0;
}

}  // namespace dfsim
