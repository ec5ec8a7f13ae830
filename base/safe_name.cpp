#include "base/safe_name.h"

#include <cstdint>
#include <cstdio>

#include "base/error.h"
#include "base/hash.h"

namespace dfsim {

namespace {

constexpr size_t kHashChars = 16;
constexpr size_t kSuffixChars = 2 + kHashChars;  // "--" and the hash

bool allowed(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
}

// True if s ends with "--" and 16 lowercase hex digits: the suffix only encoded names have.
bool looks_encoded(const std::string& s) {
    if (s.size() < kSuffixChars || s.compare(s.size() - kSuffixChars, 2, "--") != 0) return false;
    for (size_t i = s.size() - kHashChars; i < s.size(); ++i)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return false;
    return true;
}

}  // namespace

std::string safe_file_name(const std::string& name) {
    bool plain = !name.empty() && name.size() <= kMaxSafeNameBytes && name[0] != '.' && !looks_encoded(name);
    for (char c : name) plain = plain && allowed(c);
    if (plain) return name;
    std::string s;
    for (size_t i = 0; i < name.size() && s.size() < kMaxSafeNameBytes - kSuffixChars; ++i)
        s += allowed(name[i]) && !(i == 0 && name[i] == '.') ? name[i] : '_';
    char hash[kHashChars + 1];
    std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(fnv1a64(name)));
    return (s.empty() ? "_" : s) + "--" + hash;
}

std::string SafeNames::file_name(const std::string& name) {
    const std::string f = safe_file_name(name);
    const auto [it, fresh] = m_owner.emplace(f, name);
    if (!fresh && it->second != name)
        throw UserError("the names '" + it->second + "' and '" + name + "' would share the file name '" + f +
                        "'; rename one of them");
    return f;
}

}  // namespace dfsim
