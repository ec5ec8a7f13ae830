// Writes a file atomically: to a temporary file beside it, flushed, then renamed over the
// target, so a reader never sees a half-written report. Every atomic write in dfsim goes
// through here.
#pragma once
#include <string>

namespace dfsim {
// Missing parent directories are created. Throws IoError naming `path` when a directory cannot
// be created or the file cannot be written or renamed into place (the temporary file is removed).
void write_file_atomic(const std::string& path, const std::string& content);
// Removes from `dir` (not its subdirectories) the temporary files a killed writer left:
// NAME.tmp.PID and NAME.tmp.PID.EXT (write_file_atomic's and the plots'). Only for a directory
// the caller holds (base/out_lock.h), since another writer's temporaries look the same. A
// missing directory is no error.
void remove_stale_temporaries(const std::string& dir);
}  // namespace dfsim
