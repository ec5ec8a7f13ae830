#include "base/error.h"

#include <sstream>

namespace dfsim {

static std::string format_error(const std::string& file, const std::string& field, int line,
                                int column, const std::string& expected) {
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
    : std::runtime_error(format_error(file, field, line, column, expected)) {}

void assert_fail(const char* expr, const char* file, int line, const std::string& msg) {
    std::ostringstream os;
    os << "internal error (simulator bug): " << file << ":" << line << ": assertion '" << expr
       << "' failed: " << msg;
    throw std::logic_error(os.str());
}

}  // namespace dfsim
