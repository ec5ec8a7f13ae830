// Checked access to a YAML mapping: every key read is recorded, unknown keys are errors,
// every value is range-checked, and every error names file, YAML path, line and column.
// Models never see YAML: loaders turn documents into plain structs through this class.
#pragma once
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/error.h"

namespace dfsim {

class YamlMap {
public:
    // Loads a whole file; a missing file or a syntax error is a ConfigError.
    static YamlMap load_file(const std::string& path);
    static YamlMap from_string(const std::string& text, const std::string& name);
    YamlMap(YAML::Node node, std::string file, std::string path);

    bool has(const std::string& key) const;
    int64_t get_int(const std::string& key, int64_t lo, int64_t hi) const;
    int64_t get_int(const std::string& key, int64_t lo, int64_t hi, int64_t dflt) const;
    double get_double(const std::string& key, double lo, double hi) const;
    double get_double(const std::string& key, double lo, double hi, double dflt) const;
    bool get_bool(const std::string& key, bool dflt) const;
    std::string get_string(const std::string& key) const;
    std::string get_string(const std::string& key, const std::string& dflt) const;
    // A string that must be one of `choices`.
    std::string get_enum(const std::string& key, const std::vector<std::string>& choices,
                         const std::string& dflt) const;
    // A required non-empty list of scalars, as strings.
    std::vector<std::string> get_string_list(const std::string& key) const;
    YamlMap child(const std::string& key) const;  // required mapping
    std::optional<YamlMap> opt_child(const std::string& key) const;
    std::vector<YamlMap> list(const std::string& key) const;  // required sequence of mappings
    std::vector<std::string> keys() const;  // this mapping's keys, in document order

    // Throws on any key never read by the getters above. Call once all fields are read.
    void check_no_unknown_keys() const;

    [[noreturn]] void fail(const std::string& key, const std::string& expected) const;
    const std::string& file() const { return m_file; }
    std::string path_of(const std::string& key) const;
    int line() const;  // of this mapping in the file, 1-based (0: unknown)
    int column() const;

private:
    YAML::Node need(const std::string& key) const;
    template <typename T>
    T get_number(const std::string& key, T lo, T hi, const char* what) const;
    YAML::Node m_node;
    std::string m_file;
    std::string m_path;  // dotted path of this mapping in the document ("" for the root)
    mutable std::set<std::string> m_read;
};

}  // namespace dfsim
