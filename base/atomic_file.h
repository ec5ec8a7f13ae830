// Writes a file atomically: to a temporary file beside it, flushed, then renamed over the
// target, so a reader never sees a half-written report.
#pragma once
#include <string>

namespace dfsim {
void write_file_atomic(const std::string& path, const std::string& content);
}
