// File names made from untrusted names: a layer's, network's or model's name comes from a
// workload file, a CSV or an ONNX model, and may hold "../", "/", NUL, control bytes or 300
// characters. Every file name dfsim derives from such a name goes through safe_file_name.
#pragma once
#include <map>
#include <string>

namespace dfsim {

// The longest name safe_file_name returns, in bytes (well under a file system's 255, leaving
// room for suffixes such as ".os-b.json").
inline constexpr size_t kMaxSafeNameBytes = 96;

// `name` itself when it is plain: 1 to kMaxSafeNameBytes bytes of [A-Za-z0-9._-], not starting
// with '.', and not ending as an encoded name does. Otherwise an encoded name: the name with
// every other byte replaced by '_' (and a leading '.' by '_'), cut short, then "--" and 16 hex
// digits of a 64-bit hash of the whole name. So the result is always one path component inside
// its folder, and two different names give the same result only if their hashes collide.
std::string safe_file_name(const std::string& name);

// The names given files in one folder so far: refuses (UserError) a second name that would share
// a file with another (a hash collision), so that no result silently overwrites another.
class SafeNames {
public:
    // safe_file_name(name), checked against the names seen before.
    std::string file_name(const std::string& name);

private:
    std::map<std::string, std::string> m_owner;  // file name -> the name it was made from
};

}  // namespace dfsim
