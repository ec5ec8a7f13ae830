#include "base/atomic_file.h"

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
    tmp += ".tmp." + std::to_string(::getpid());
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

}  // namespace dfsim
