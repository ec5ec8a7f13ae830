#include <algorithm>
#include <cstdlib>
#include <limits>

#include "base/error.h"
#include "base/text.h"
#include "dataflows/dataflow.h"
#include "dataflows/grid_dataflow.h"
#include "dataflows/nlr/no_local_reuse.h"
#include "dataflows/os/output_stationary.h"
#include "dataflows/rs/row_stationary.h"
#include "dataflows/ws/weight_stationary.h"

namespace dfsim {

Objective parse_objective(const std::string& s) {
    if (s == "energy") return Objective::Energy;
    if (s == "cycles") return Objective::Cycles;
    if (s == "edp") return Objective::Edp;
    throw ConfigError("command line", "--objective", 0, 0, "expected one of {energy, cycles, edp}, got '" + s + "'");
}

double objective_figure(const Estimate& e, Objective obj) {
    switch (obj) {
        case Objective::Energy:
            return e.energy;
        case Objective::Cycles:
            return static_cast<double>(e.cycles);
        case Objective::Edp:
            return e.energy * static_cast<double>(e.cycles);
    }
    return e.energy;
}

size_t pick_candidate(const std::vector<Estimate>& ests, Objective obj) {
    DFSIM_ASSERT(!ests.empty(), "no candidate to pick from");
    auto primary = [&](const Estimate& e) { return objective_figure(e, obj); };
    auto secondary = [&](const Estimate& e) { return other_figure(e, obj); };
    double best = std::numeric_limits<double>::infinity();
    for (const Estimate& e : ests) best = std::min(best, primary(e));
    size_t pick = ests.size();
    for (size_t i = 0; i < ests.size(); ++i) {
        const Estimate& e = ests[i];
        if (primary(e) > best * 1.02) continue;
        if (pick == ests.size() || secondary(e) < secondary(ests[pick]) ||
            (secondary(e) == secondary(ests[pick]) && primary(e) < primary(ests[pick])))
            pick = i;
    }
    return pick;
}

namespace {
// Every dataflow, in the order `dfsim list` and the comparisons show them.
const std::vector<std::unique_ptr<Dataflow>>& registry() {
    static const std::vector<std::unique_ptr<Dataflow>> r = [] {
        std::vector<std::unique_ptr<Dataflow>> v;
        v.push_back(std::make_unique<WeightStationary>());
        v.push_back(std::make_unique<OutputStationary>(GridVariant::OsA));
        v.push_back(std::make_unique<OutputStationary>(GridVariant::OsB));
        v.push_back(std::make_unique<OutputStationary>(GridVariant::OsC));
        v.push_back(std::make_unique<NoLocalReuse>());
        v.push_back(std::make_unique<RowStationary>());
        return v;
    }();
    return r;
}
}  // namespace

const Dataflow& find_dataflow(const std::string& name) {
    for (const auto& d : registry())
        if (d->name() == name) return *d;
    throw ConfigError("command line", "--dataflow", 0, 0, unknown_dataflow(name));
}

std::vector<std::string> dataflow_names() {
    std::vector<std::string> v;
    for (const auto& d : registry()) v.push_back(d->name());
    return v;
}

std::string unknown_dataflow(const std::string& name) {
    return "expected one of {" + name_list(dataflow_names()) + "}, got '" + printable(name) + "'" +
           did_you_mean(name, dataflow_names());
}

void check_equal_area(const ArchParams& a) {
    const std::vector<std::string> names = dataflow_names();
    for (const DataflowStorage& st : a.equal_area.dataflows)
        if (std::find(names.begin(), names.end(), st.dataflow) == names.end())
            throw ConfigError(a.file, "equal_area.dataflows." + st.dataflow, st.line, st.column,
                              "expected a registered dataflow {" + name_list(names) + "}, got '" + st.dataflow + "'" +
                                  did_you_mean(st.dataflow, names));
}

const GridDataflow& grid_dataflow(GridVariant v) {
    for (const auto& d : registry())
        if (const auto* g = dynamic_cast<const GridDataflow*>(d.get()); g && g->variant() == v) return *g;
    DFSIM_ASSERT(false, "no registered grid dataflow of this variant");
    std::abort();
}

std::vector<const Dataflow*> all_dataflows() {
    std::vector<const Dataflow*> v;
    for (const auto& d : registry()) v.push_back(d.get());
    return v;
}

}  // namespace dfsim
