// Accelergy interop (docs/accelergy.md): an Accelergy energy reference table (ERT, pJ per action of
// each component) read as dfsim's energy table, an area reference table (ART, um^2 per component)
// read into a plain struct, and dfsim's energy table written as an ERT for one architecture.
// Components map to dfsim's cost classes (dram, glb, noc, rf, mac) by a `dfsim:` block (in the
// file, else in the sidecar NAME.dfsim.yaml beside NAME.yaml) or by their conventional names.
#pragma once
#include <string>
#include <vector>

#include "config/arch.h"
#include "config/energy_table.h"

namespace dfsim {

// The ERT in `yaml` (read from the file `name`: errors name it, and its sidecar is looked for
// beside it) as dfsim's energy table. Throws ConfigError (exit code 2) naming file, field and what
// was expected: a component that maps to no cost class, a cost class nothing maps to, components
// of one class whose figures differ without a `combine` rule, a missing action or width.
EnergyTable load_accelergy_ert(const std::string& yaml, const std::string& name);

// One component of an ART: its name as written, the dfsim cost class its name maps to ("" if
// none: areas are taken as given) and its area in um^2.
struct AreaEntry {
    std::string component;
    std::string cost_class;
    double um2 = 0;
};
// An Accelergy ART (per-component areas; dfsim's own area model is energy/physical.h).
struct AreaTable {
    std::string file;
    std::vector<AreaEntry> components;  // in file order
    double total_um2() const;
};
bool is_accelergy_art(const std::string& yaml);
AreaTable load_accelergy_art(const std::string& path);
AreaTable load_accelergy_art_from_string(const std::string& yaml, const std::string& name);
// An ART's areas as dfsim's given areas (energy tables use them in place of the area model): the
// GLB-class components; per PE (a name with an instance range, PE[0..N-1]) the register files by the
// data type their name gives, the MAC-class components as the datapath, the rest as the PE's other;
// components outside the PEs (networks, ...) as the chip's other; DRAM left out. Throws ConfigError
// for a per-PE register file whose name gives no data type.
GivenArea given_area(const AreaTable& art);
// Table `t` with the ART in file `art_path` as its area (--area).
void use_art_area(EnergyTable& t, const std::string& art_path);

// The ERT (version 0.3 layout) of table `t` for architecture `a`: DRAM, the shared GLB, the four
// array networks, the PE array's three spads and MAC (named PE[0..rows x cols - 1]), each figure
// at the width the architecture accesses it, and a `dfsim:` block (widths, unit, scaling) that
// load_accelergy_ert reads back to the same table. `header`: comment lines written first.
std::string to_accelergy_ert(const EnergyTable& t, const ArchParams& a, const std::string& header);
// The ART of dfsim's own area model for architecture `a`, named as to_accelergy_ert names the
// components: the shared GLB (its whole area) and, per PE instance, the three spads, the MAC (the
// datapath) and `other` (control, NoC, clock tree); um^2. `source` names where the figures come from.
AreaTable accelergy_area_table(const ArchParams& a, double glb_um2, const std::array<double, 3>& spad_um2_per_pe,
                               double datapath_um2_per_pe, double other_um2_per_pe, const std::string& source);
// An ART (version 0.3 layout) of the components in `area`, the cost class of each in a comment.
std::string to_accelergy_art(const AreaTable& area);

}  // namespace dfsim
