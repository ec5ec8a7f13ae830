// One number printed with a printf format, for the text, CSV, HTML and plot writers.
#pragma once
#include <cstdio>
#include <string>

namespace dfsim {

inline std::string fmt(const char* format, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}

}  // namespace dfsim
