// A dataflow: how a layer's loops are mapped onto the PE array and the buffer hierarchy.
// Each dataflow has a mapper (chooses the mapping parameters for a layer under the storage and
// bus constraints, scoring candidates with its analytical model), a program builder (turns a
// mapping into the operations the hardware runs) and the analytical model itself (closed-form
// counts and an estimate of cycles, written separately from the hardware's own counting).
// Dataflows are registered by name (see registry.cpp); `dfsim list` prints them.
#pragma once
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/arch.h"
#include "config/energy_table.h"
#include "workload/layer.h"
#include "base/error.h"
#include "base/types.h"
#include "hw/program.h"

namespace dfsim {

class YamlMap;

enum class Objective { Energy, Cycles, Edp };
Objective parse_objective(const std::string& s);  // energy | cycles | edp; throws ConfigError

// No legal mapping exists for a layer on an architecture (bad input: exit code 2).
class MappingError : public UserError {
public:
    using UserError::UserError;
};

class Mapping {
public:
    virtual ~Mapping() = default;
    virtual std::string summary() const = 0;  // one line of parameters
    virtual std::string loop_nest(const Layer& l) const = 0;  // the loop nest, one loop a line
};

struct Estimate {
    ActionCounts counts;  // accesses on data with no zeros other than padding
    uint64_t cycles = 0;  // estimated cycles (the simulator's are authoritative)
    double energy = 0;  // table units
    uint64_t glb_bytes = 0;  // global buffer the mapping allocates
};

class Dataflow {
public:
    virtual ~Dataflow() = default;
    virtual std::string name() const = 0;
    virtual std::string description() const = 0;
    // Best legal mapping for the objective; throws MappingError if none fits.
    virtual std::unique_ptr<Mapping> choose_mapping(const Layer& l, const ArchParams& a, const EnergyTable& t,
                                                    Objective obj) const = 0;
    virtual hw::Program build_program(const Layer& l, const ArchParams& a, const Mapping& m) const = 0;
    virtual Estimate estimate(const Layer& l, const ArchParams& a, const EnergyTable& t, const Mapping& m) const = 0;
    // A mapping pinned by the user: one layer's entry of a mapping file. Throws ConfigError
    // naming the file, field and line for a bad value, an unknown field or a mapping that
    // breaks a constraint of the layer or the architecture.
    virtual std::unique_ptr<Mapping> parse_mapping(const YamlMap& y, const Layer& l, const ArchParams& a) const = 0;
};

// The mappers' choice among scored candidates: the objective's best, then among those within 2%
// of it the best by the other figure (energy <-> cycles), so that a negligible energy saving
// never costs a slow mapping. Returns an index into `ests` (which must not be empty).
size_t pick_candidate(const std::vector<Estimate>& ests, Objective obj);

// The registry of dataflows, by name.
const Dataflow& find_dataflow(const std::string& name);  // throws ConfigError naming the choices
std::vector<const Dataflow*> all_dataflows();
// ConfigError (the architecture file, its line) for an equal_area entry that names no
// registered dataflow (the config room, below this one, cannot know them).
void check_equal_area(const ArchParams& a);

}  // namespace dfsim
