#include "base/out_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "base/error.h"

namespace dfsim {

namespace {

// The pid the holder wrote into the lock file ("" if it has not written it yet).
std::string holder_pid(int fd) {
    char buf[32] = {};
    const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    std::string s = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s.find_first_not_of("0123456789") == std::string::npos ? s : "";
}

}  // namespace

OutputLock::OutputLock(const std::string& dir) : m_path((std::filesystem::path(dir) / kOutputLockName).string()) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw IoError(dir, "cannot create the directory: " + ec.message());
    m_fd = ::open(m_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (m_fd < 0) throw IoError(m_path, std::string("cannot open the lock file: ") + std::strerror(errno));
    if (::flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
        const int err = errno;
        const std::string pid = holder_pid(m_fd);
        ::close(m_fd);
        m_fd = -1;
        if (err != EWOULDBLOCK) throw IoError(m_path, std::string("cannot lock: ") + std::strerror(err));
        throw UserError("output directory " + dir + " is in use by another dfsim process" +
                        (pid.empty() ? "" : " (pid " + pid + ")") + ", which holds the lock " + m_path +
                        "; wait for it to finish or use another directory");
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(m_fd, 0) != 0 || ::pwrite(m_fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
        ::close(m_fd);
        m_fd = -1;
        throw IoError(m_path, std::string("cannot write the lock file: ") + std::strerror(errno));
    }
}

OutputLock::~OutputLock() {
    if (m_fd >= 0) ::close(m_fd);  // closing the last descriptor releases the lock
}

}  // namespace dfsim
