// The counters registry: every counter of ActionCounts declared once, with the name the reports
// use for it (JSON field, CSV column, compare's resume files), its unit, a one-line description,
// its storage level and data type where it has them, and the run-report outputs that show it.
// ActionCounts::combine iterates this list, and so does every writer (report/figures.h builds
// the derived figures and the writers' layouts on it), so a new counter is one entry here.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/types.h"

namespace dfsim {

// The run report's outputs (report/report.cpp), as flags: where a counter appears.
enum StatOutput : unsigned {
    kInJson = 1,  // a field of every layer entry (top level, or accesses.<level>.<type>.<reads|writes>)
    kInCsv = 2,  // a column of the run CSV
    kInText = 4,  // a column of the text table
};

// Which side of a level's ReadWrite an access counter is.
enum class AccessDir : uint8_t { Reads, Writes };
constexpr std::string_view to_string(AccessDir d) { return d == AccessDir::Reads ? "reads" : "writes"; }

struct Counter {
    std::string name;  // in the reports: "macs", "dram_ifmap_reads" (the CSV column)
    std::string unit;  // "MACs", "words", "bits", ...
    std::string description;  // one sentence, for docs/report.md (its tables are checked against this)
    std::optional<Level> level;  // an access counter's level, or the level a traffic counter is at
    std::optional<DataType> type;  // the data type it counts, if one
    std::optional<AccessDir> dir;  // access counters: reads or writes
    unsigned outputs = 0;  // StatOutput flags
    size_t offset = 0;  // where it is in ActionCounts (ActionCounts::at_offset)

    uint64_t& of(ActionCounts& c) const { return c.at_offset(offset); }
    uint64_t of(const ActionCounts& c) const { return c.at_offset(offset); }
    bool is_access() const { return dir.has_value(); }
    // Its place in the run report's JSON layer entries ({} if kInJson is not set):
    // {"accesses", "dram", "ifmap", "reads"} for an access counter, {name} otherwise.
    std::vector<std::string> json_path() const;
};

// Every counter, in the order the reports list them: the access counters (levels in kLevels
// order, data types in kDataTypes order, reads then writes), then the others.
const std::vector<Counter>& counters();
// The counter with that name (an internal error if there is none).
const Counter& counter(std::string_view name);

}  // namespace dfsim
