#include "base/atomic_file.h"

#include <atomic>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "base/error.h"

namespace dfsim {

void write_file_atomic(const std::string& path, const std::string& content) {
    namespace fs = std::filesystem;
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

}  // namespace dfsim
