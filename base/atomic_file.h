// Writes a file atomically: to a temporary file beside it, flushed, then renamed over the
// target, so a reader never sees a half-written report. Every atomic write in dfsim goes
// through here.
#pragma once
#include <string>

namespace dfsim {
// Missing parent directories are created. Throws IoError naming `path` when a directory cannot
// be created or the file cannot be written or renamed into place (the temporary file is removed).
void write_file_atomic(const std::string& path, const std::string& content);
}  // namespace dfsim
