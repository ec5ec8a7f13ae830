#include <algorithm>

#include "common/config_error.h"
#include "dataflows/dataflow.h"
#include "dataflows/row_stationary.h"

namespace dfsim {

Objective parse_objective(const std::string& s) {
    if (s == "energy") return Objective::Energy;
    if (s == "cycles") return Objective::Cycles;
    if (s == "edp") return Objective::Edp;
    throw ConfigError("command line", "--objective", 0, 0, "expected one of {energy, cycles, edp}, got '" + s + "'");
}

namespace {
const std::vector<std::unique_ptr<Dataflow>>& registry() {
    static const std::vector<std::unique_ptr<Dataflow>> r = [] {
        std::vector<std::unique_ptr<Dataflow>> v;
        v.push_back(std::make_unique<RowStationary>());
        return v;
    }();
    return r;
}
}  // namespace

const Dataflow& find_dataflow(const std::string& name) {
    for (const auto& d : registry())
        if (d->name() == name) return *d;
    std::string list;
    for (const auto& d : registry()) list += (list.empty() ? "" : ", ") + d->name();
    throw ConfigError("command line", "--dataflow", 0, 0, "expected one of {" + list + "}, got '" + name + "'");
}

std::vector<const Dataflow*> all_dataflows() {
    std::vector<const Dataflow*> v;
    for (const auto& d : registry()) v.push_back(d.get());
    return v;
}

}  // namespace dfsim
