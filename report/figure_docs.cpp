// docs/report.md's field tables, rendered from the figures and the writers' layouts
// (tests/test_figures.cpp checks that the document holds exactly these tables).
#include "report/figures.h"

namespace dfsim {

namespace {

std::string code(const std::string& s) { return "`" + s + "`"; }

// `a`, `b`, `c`
template <typename T, typename Fn>
std::string code_list(const std::vector<T>& v, Fn name) {
    std::string s;
    for (const T& x : v) s += (s.empty() ? "" : ", ") + code(name(x));
    return s;
}

std::string level_list() {
    return code_list(std::vector<Level>(kLevels.begin(), kLevels.end()),
                     [](Level l) { return std::string(to_string(l)); });
}
std::string type_list() {
    return code_list(std::vector<DataType>(kDataTypes.begin(), kDataTypes.end()),
                     [](DataType t) { return std::string(to_string(t)); });
}

// What a group of fields (Field::group) means, as one table row.
std::string group_description(const std::string& group) {
    if (group == "accesses")
        return "the access counts per level (" + level_list() + ") and data type (" + type_list() +
               "), reads then writes; see [Access counts](#access-counts)";
    if (group == "energy_by_level") return "energy of the accesses at each level, all data types";
    if (group == "energy_by_type")
        return "the same access energy split by data type instead of level; ALU excluded, so ifmap + filter + psum + "
               "alu = total";
    if (group == "per_mac_by_level")
        return "each level's energy, and the ALU's, / macs; they add up to the energy per MAC";
    if (group == "per_mac_by_type")
        return "each data type's energy / macs; with the ALU's they add up to the energy per MAC";
    if (group == "formats")
        return "the ifmap and filter values' formats (`int8`, `uint4`, `binary`, `uint8-zp128`); accelerator layers "
               "only";
    if (group == "bits")
        return "the operand widths at the multiplier, the output width, and the ifmap and filter storage widths (wider "
               "under `word_bits`); accelerator layers only";
    if (group == "zeros")
        return "zero words measured in the layer's ifmap and filter tensors (padding not included); accelerator layers "
               "only";
    return "";
}

std::string outputs_of(const Counter& k) {
    std::string s;
    for (auto [flag, name] : {std::pair{kInJson, "JSON"}, std::pair{kInCsv, "CSV"}, std::pair{kInText, "text"}})
        if (k.outputs & flag) s += (s.empty() ? "" : ", ") + std::string(name);
    return s.empty() ? "-" : s;
}

// A run of names as one cell: all of them, or the first and last of a long run.
std::string names_cell(const std::vector<std::string>& names) {
    if (names.size() <= 6) {
        std::string s;
        for (const std::string& n : names) s += (s.empty() ? "" : ", ") + code(n);
        return s;
    }
    return code(names.front()) + " … " + code(names.back()) + " (" + std::to_string(names.size()) + ")";
}

}  // namespace

std::string markdown_fields(const std::vector<Field>& fields, bool json) {
    std::vector<const Field*> shown;
    for (const Field& f : fields)
        if (!(json ? f.json : f.csv).empty()) shown.push_back(&f);
    std::string s = std::string("| ") + (json ? "field" : "column") + " | unit | meaning |\n|---|---|---|\n";
    for (size_t i = 0; i < shown.size();) {
        const std::string& group = shown[i]->group;
        size_t j = i + 1;
        while (!group.empty() && j < shown.size() && shown[j]->group == group) ++j;
        std::vector<std::string> names;
        for (size_t k = i; k < j; ++k) names.push_back(json ? shown[k]->json : shown[k]->csv);
        const std::string meaning = group.empty() ? shown[i]->figure->description : group_description(group);
        s += "| " + names_cell(names) + " | " + shown[i]->figure->unit + " | " + meaning + " |\n";
        i = j;
    }
    return s;
}

std::string markdown_counters() {
    std::string s = "| counter | unit | in the run report | meaning |\n|---|---|---|---|\n";
    std::vector<std::string> access;
    for (const Counter& k : counters())
        if (k.is_access()) access.push_back(k.name);
    const Counter& first = counter(access.front());
    s += "| " + names_cell(access) + " | " + first.unit + " | " + outputs_of(first) + " | " +
         group_description("accesses") + " |\n";
    // the others; a run of counters that differ only by data type is one row
    std::vector<const Counter*> rest;
    for (const Counter& k : counters())
        if (!k.is_access()) rest.push_back(&k);
    for (size_t i = 0; i < rest.size();) {
        const Counter& k = *rest[i];
        std::vector<std::string> names{k.name};
        size_t j = i + 1;
        for (; j < rest.size() && rest[j]->description == k.description && rest[j]->unit == k.unit; ++j)
            names.push_back(rest[j]->name);
        s += "| " + names_cell(names) + " | " + k.unit + " | " + outputs_of(k) + " | " + k.description + " |\n";
        i = j;
    }
    return s;
}

std::string markdown_access_counts() {
    std::string s = "| level.type | reads | writes |\n|---|---|---|\n";
    for (Level l : kLevels)
        for (DataType t : kDataTypes) {
            const std::string lt = std::string(to_string(l)) + "_" + std::string(to_string(t));
            s += "| " + code(std::string(to_string(l)) + "." + std::string(to_string(t))) + " | " +
                 counter(lt + "_reads").description + " | " + counter(lt + "_writes").description + " |\n";
        }
    return s;
}

}  // namespace dfsim
