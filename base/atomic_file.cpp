#include "base/atomic_file.h"

#include <atomic>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <filesystem>
#include <fstream>

#include "base/error.h"

namespace dfsim {

namespace {

namespace fs = std::filesystem;

// Creates and removes a probe file in `dir`: whether files can be made there at all (/proc
// cannot have any, whatever the permissions say).
void probe_directory(const std::string& path, const fs::path& dir) {
    const fs::path probe = dir / (".dfsim-probe." + std::to_string(::getpid()));
    const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) throw IoError(path, "cannot create a file in " + dir.string() + ": " + std::strerror(errno));
    ::close(fd);
    ::unlink(probe.c_str());
}

}  // namespace

void check_output_file(const std::string& path) {
    const fs::path target(path);
    const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
    std::error_code ec;
    const fs::file_status ds = fs::status(dir, ec);
    if (ds.type() == fs::file_type::not_found || ds.type() == fs::file_type::none)
        throw IoError(path, "the directory " + dir.string() + " does not exist (make it first)");
    if (ds.type() != fs::file_type::directory) throw IoError(path, dir.string() + " is not a directory");
    const fs::file_status ts = fs::status(target, ec);
    if (ts.type() == fs::file_type::directory) throw IoError(path, "it is a directory");
    if (fs::exists(ts) && ts.type() != fs::file_type::regular)
        throw IoError(path, "it is not a regular file (a device, pipe or socket)");
    probe_directory(path, dir);
}

void check_output_dir(const std::string& path) {
    std::error_code ec;
    fs::path p(path);
    const fs::file_status st = fs::status(p, ec);
    if (fs::exists(st)) {
        if (st.type() != fs::file_type::directory) throw IoError(path, "it exists and is not a directory");
        return probe_directory(path, p);
    }
    fs::path up = p.parent_path();  // the nearest ancestor that exists ("/" always does)
    while (!up.empty() && !fs::exists(up, ec)) up = up.parent_path();
    if (up.empty()) up = ".";
    if (!fs::is_directory(up, ec)) throw IoError(path, up.string() + " is not a directory");
    probe_directory(path, up);
}

void write_file_atomic(const std::string& path, const std::string& content) {
    const fs::path target(path);
    std::error_code ec;
    if (target.has_parent_path() && !fs::exists(target.parent_path(), ec)) {
        fs::create_directories(target.parent_path(), ec);
        if (ec) throw IoError(path, "cannot create directory " + target.parent_path().string() + ": " + ec.message());
    }
    fs::path tmp = target;
    static std::atomic<unsigned> serial{0};  // writers on several threads of one process
    tmp += ".tmp." + std::to_string(::getpid()) + "." + std::to_string(serial++);
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) throw IoError(path, "cannot create the temporary file " + tmp.string());
        out.write(content.data(), static_cast<std::streamsize>(content.size()));
        out.flush();
        if (!out) {
            out.close();
            fs::remove(tmp, ec);
            throw IoError(path, "error writing the temporary file " + tmp.string() + " (disk full?)");
        }
    }
    fs::rename(tmp, target, ec);
    if (ec) {
        const std::string why = ec.message();
        fs::remove(tmp, ec);
        throw IoError(path, "cannot rename " + tmp.string() + " into place: " + why);
    }
}

void remove_stale_temporaries(const std::string& dir) {
    namespace fs = std::filesystem;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        const std::string name = entry.path().filename().string();
        const size_t k = name.find(".tmp.");
        if (k == std::string::npos) continue;
        const size_t digits = name.find_first_not_of("0123456789", k + 5);
        if (digits == k + 5 || (digits != std::string::npos && name[digits] != '.')) continue;
        std::error_code e;
        if (entry.is_regular_file(e)) fs::remove(entry.path(), e);
    }
}

TempDir::TempDir(const std::string& prefix) {
    std::string name = (std::filesystem::temp_directory_path() / (prefix + ".XXXXXX")).string();
    if (!mkdtemp(name.data()))
        throw IoError(name, std::string("cannot create a temporary folder: ") + std::strerror(errno));
    m_path = name;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
}

}  // namespace dfsim
