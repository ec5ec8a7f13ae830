#include "config/yaml_reader.h"

#include <map>
#include <sstream>

#include "base/input_file.h"
#include "base/text.h"

namespace dfsim {

namespace {
int line_of(const YAML::Node& n) { return n.Mark().line >= 0 ? n.Mark().line + 1 : 0; }
int col_of(const YAML::Node& n) { return n.Mark().column >= 0 ? n.Mark().column + 1 : 0; }

[[noreturn]] void fail_at(const std::string& file, const std::string& path, const YAML::Node& n,
                          const std::string& expected) {
    throw ConfigError(file, path, line_of(n), col_of(n), expected);
}

// A scalar's text: valid UTF-8 without control characters (tab and line breaks allowed).
void check_scalar(const std::string& file, const std::string& path, const YAML::Node& n) {
    const std::string why = text_problem(n.Scalar(), true);
    if (!why.empty()) fail_at(file, path, n, "expected UTF-8 text without control characters, got " + why);
}

// What yaml-cpp accepts without a word, refused with its position: a key that is not a scalar
// (`{batch, {}}`), a key given twice in one mapping (yaml-cpp keeps both; lookups would see only
// one), and text that is not UTF-8 or holds control characters.
void check_node(const YAML::Node& n, const std::string& file, const std::string& path) {
    if (n.IsScalar()) return check_scalar(file, path, n);
    if (n.IsSequence()) {
        for (size_t i = 0; i < n.size(); ++i) check_node(n[i], file, path + "[" + std::to_string(i) + "]");
        return;
    }
    if (!n.IsMap()) return;
    std::map<std::string, YAML::Mark> seen;
    for (auto it = n.begin(); it != n.end(); ++it) {
        // copies: `it->` yields a temporary pair, so a reference to its member would dangle
        const YAML::Node key = it->first, value = it->second;
        if (!key.IsScalar()) fail_at(file, path, key, "expected a plain key (a name), got a list or mapping as a key");
        const std::string k = key.Scalar(), kp = path.empty() ? k : path + "." + k;
        check_scalar(file, kp, key);
        if (const auto first = seen.find(k); first != seen.end())
            fail_at(file, kp, key,
                    "duplicate key (first given at line " + std::to_string(first->second.line + 1) + ", column " +
                        std::to_string(first->second.column + 1) + ")");
        seen.emplace(k, key.Mark());
        check_node(value, file, kp);
    }
}

// A number as YAML writes it in decimal: no 0x / 0o / 0b prefix and no leading zero (which
// yaml-cpp would read as hexadecimal, octal or decimal, depending on the form).
bool decimal_number(const std::string& s) {
    const size_t i = !s.empty() && (s[0] == '-' || s[0] == '+') ? 1 : 0;
    if (i + 1 < s.size() && s[i] == '0' && s[i + 1] != '.' && s[i + 1] != 'e' && s[i + 1] != 'E') return false;
    return true;
}
}  // namespace

YamlMap YamlMap::load_file(const std::string& path) { return from_string(read_input_file(path), path); }

YamlMap YamlMap::from_string(const std::string& text, const std::string& name) {
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::ParserException& e) {
        throw ConfigError(name, "", e.mark.line + 1, e.mark.column + 1, "YAML syntax error: " + e.msg);
    }
    if (!root.IsMap()) throw ConfigError(name, "", 1, 1, "expected a YAML mapping at the top level");
    check_node(root, name, "");
    return YamlMap(root, name, "");
}

YamlMap::YamlMap(YAML::Node node, std::string file, std::string path)
    : m_node(std::move(node)), m_file(std::move(file)), m_path(std::move(path)) {}

int YamlMap::line() const { return line_of(m_node); }
int YamlMap::column() const { return col_of(m_node); }

std::string YamlMap::path_of(const std::string& key) const { return m_path.empty() ? key : m_path + "." + key; }

void YamlMap::fail(const std::string& key, const std::string& expected) const {
    YAML::Node n = (!key.empty() && m_node[key]) ? m_node[key] : m_node;
    throw ConfigError(m_file, key.empty() ? m_path : path_of(key), line_of(n), col_of(n), expected);
}

bool YamlMap::has(const std::string& key) const {
    m_read.insert(key);
    return static_cast<bool>(m_node[key]) && !m_node[key].IsNull();
}

YAML::Node YamlMap::need(const std::string& key) const {
    m_read.insert(key);
    YAML::Node n = m_node[key];
    if (!n || n.IsNull()) {
        throw ConfigError(m_file, path_of(key), line_of(m_node), col_of(m_node), "required field is missing");
    }
    return n;
}

// Reads a scalar of type T in [lo, hi]; `what` names the kind in the error ("an integer").
template <typename T>
T YamlMap::get_number(const std::string& key, T lo, T hi, const char* what) const {
    YAML::Node n = need(key);
    T v{};
    bool ok = n.IsScalar() && decimal_number(n.Scalar());
    if (ok) {
        try {
            v = n.as<T>();
        } catch (const YAML::Exception&) {
            ok = false;
        }
    }
    std::ostringstream exp;
    exp << "expected " << what << " in [" << lo << ", " << hi << "]";
    if (n.IsScalar() && !decimal_number(n.Scalar()))
        fail(key, exp.str() + " written in decimal (no 0x or 0o prefix, no leading zero), got '" + n.Scalar() + "'");
    if (!ok) fail(key, exp.str() + ", got '" + (n.IsScalar() ? n.Scalar() : "a non-scalar") + "'");
    if (!(v >= lo && v <= hi)) {
        std::ostringstream got;
        got << v;
        fail(key, exp.str() + ", got " + got.str());
    }
    return v;
}

int64_t YamlMap::get_int(const std::string& key, int64_t lo, int64_t hi) const {
    return get_number<int64_t>(key, lo, hi, "an integer");
}

int64_t YamlMap::get_int(const std::string& key, int64_t lo, int64_t hi, int64_t dflt) const {
    return has(key) ? get_int(key, lo, hi) : dflt;
}

double YamlMap::get_double(const std::string& key, double lo, double hi) const {
    return get_number<double>(key, lo, hi, "a number");
}

double YamlMap::get_double(const std::string& key, double lo, double hi, double dflt) const {
    return has(key) ? get_double(key, lo, hi) : dflt;
}

bool YamlMap::get_bool(const std::string& key, bool dflt) const {
    if (!has(key)) return dflt;
    YAML::Node n = need(key);
    try {
        if (n.IsScalar()) return n.as<bool>();
    } catch (const YAML::Exception&) {}
    fail(key, "expected true or false");
}

std::string YamlMap::get_string(const std::string& key) const {
    YAML::Node n = need(key);
    if (!n.IsScalar()) fail(key, "expected a string");
    return n.Scalar();
}

std::string YamlMap::get_string(const std::string& key, const std::string& dflt) const {
    return has(key) ? get_string(key) : dflt;
}

std::string YamlMap::get_enum(const std::string& key, const std::vector<std::string>& choices,
                              const std::string& dflt) const {
    std::string v = get_string(key, dflt);
    for (const auto& c : choices)
        if (c == v) return v;
    std::string list;
    for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
    fail(key, "expected one of {" + list + "}, got '" + v + "'");
}

YamlMap YamlMap::child(const std::string& key) const {
    YAML::Node n = need(key);
    if (!n.IsMap()) fail(key, "expected a mapping");
    return YamlMap(n, m_file, path_of(key));
}

std::optional<YamlMap> YamlMap::opt_child(const std::string& key) const {
    if (!has(key)) return std::nullopt;
    return child(key);
}

std::vector<YamlMap> YamlMap::list(const std::string& key) const {
    YAML::Node n = need(key);
    if (!n.IsSequence()) fail(key, "expected a list");
    std::vector<YamlMap> out;
    for (size_t i = 0; i < n.size(); ++i) {
        std::string p = path_of(key) + "[" + std::to_string(i) + "]";
        if (!n[i].IsMap()) throw ConfigError(m_file, p, line_of(n[i]), col_of(n[i]), "expected a mapping");
        out.emplace_back(n[i], m_file, p);
    }
    return out;
}

std::vector<std::string> YamlMap::get_string_list(const std::string& key) const {
    YAML::Node n = need(key);
    if (!n.IsSequence() || n.size() == 0) fail(key, "expected a non-empty list");
    std::vector<std::string> out;
    for (size_t i = 0; i < n.size(); ++i) {
        if (!n[i].IsScalar())
            throw ConfigError(m_file, path_of(key) + "[" + std::to_string(i) + "]", line_of(n[i]), col_of(n[i]),
                              "expected a value");
        out.push_back(n[i].as<std::string>());
    }
    return out;
}

std::vector<std::string> YamlMap::keys() const {
    std::vector<std::string> out;
    for (auto it = m_node.begin(); it != m_node.end(); ++it) out.push_back(it->first.as<std::string>());
    return out;
}

void YamlMap::check_no_unknown_keys() const {
    for (auto it = m_node.begin(); it != m_node.end(); ++it) {
        std::string k = it->first.as<std::string>();
        if (!m_read.count(k)) {
            throw ConfigError(m_file, path_of(k), line_of(it->first), col_of(it->first), "unknown field");
        }
    }
}

}  // namespace dfsim
