// An exclusive claim on an output directory (`sweep --out`, `compare --out`): an flock(2) on
// DIR/.dfsim.lock, which holds the holder's process id, so that two runs writing the same
// directory at once cannot mix their files. The kernel drops the lock when the holder exits,
// however it ends (a killed run leaves no stale lock).
#pragma once
#include <string>

namespace dfsim {

class OutputLock {
public:
    // Creates `dir` if it is missing and locks it. Throws UserError naming the lock file and the
    // holder's pid when another process holds it, IoError when the lock file cannot be made.
    explicit OutputLock(const std::string& dir);
    ~OutputLock();
    OutputLock(const OutputLock&) = delete;
    OutputLock& operator=(const OutputLock&) = delete;
    const std::string& path() const { return m_path; }

private:
    std::string m_path;  // DIR/.dfsim.lock
    int m_fd = -1;
};

// The lock file's name inside an output directory.
inline constexpr const char* kOutputLockName = ".dfsim.lock";

}  // namespace dfsim
