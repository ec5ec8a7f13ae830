#include "base/input_file.h"

#include <filesystem>
#include <fstream>

#include "base/error.h"

namespace dfsim {

uint64_t check_input_file(const std::string& path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::file_status st = fs::status(path, ec);
    if (st.type() == fs::file_type::not_found || (ec && st.type() == fs::file_type::none))
        throw ConfigError(path, "", 0, 0, "file not found");
    if (st.type() == fs::file_type::directory) throw ConfigError(path, "", 0, 0, "is a directory, expected a file");
    if (st.type() != fs::file_type::regular)
        throw ConfigError(path, "", 0, 0, "is not a regular file (a device, pipe or socket), expected a file");
    const uintmax_t size = fs::file_size(path, ec);
    if (ec) throw ConfigError(path, "", 0, 0, "cannot read the file's size: " + ec.message());
    return size;
}

std::string read_input_file(const std::string& path) {
    const uint64_t size = check_input_file(path);
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ConfigError(path, "", 0, 0, "cannot open file for reading");
    std::string text(size, '\0');
    in.read(text.data(), static_cast<std::streamsize>(size));
    text.resize(static_cast<size_t>(in.gcount()));  // a file that shrank meanwhile: what was there
    if (in.bad()) throw ConfigError(path, "", 0, 0, "error reading the file");
    return text;
}

}  // namespace dfsim
