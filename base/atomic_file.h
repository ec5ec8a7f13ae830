// Writes a file atomically: to a temporary file beside it, flushed, then renamed over the
// target, so a reader never sees a half-written report. Every atomic write in dfsim goes
// through here.
#pragma once
#include <string>

namespace dfsim {
// Checks, before anything runs, that `path` can be written as an output file: its directory
// exists and is a directory (it is not created), the path is not a directory or a device, and
// a file can be created there (a probe file is created and removed). Throws IoError naming it.
void check_output_file(const std::string& path);
// The same for an output directory that dfsim creates with its missing parents: the path is a
// directory if it exists, and its nearest existing ancestor is a directory one can write in.
void check_output_dir(const std::string& path);

// Missing parent directories are created. Throws IoError naming `path` when a directory cannot
// be created or the file cannot be written or renamed into place (the temporary file is removed).
void write_file_atomic(const std::string& path, const std::string& content);
// Removes from `dir` (not its subdirectories) the temporary files a killed writer left:
// NAME.tmp.PID and NAME.tmp.PID.EXT (write_file_atomic's and the plots'). Only for a directory
// the caller holds (base/out_lock.h), since another writer's temporaries look the same. A
// missing directory is no error.
void remove_stale_temporaries(const std::string& dir);

// A private folder under the system's temporary directory (mkdtemp: PREFIX.XXXXXX), removed with
// its contents when the object goes (a forked child that _exits leaves it to its parent).
class TempDir {
public:
    explicit TempDir(const std::string& prefix);
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return m_path; }

private:
    std::string m_path;
};
}  // namespace dfsim
