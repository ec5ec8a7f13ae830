// The architecture as the command line takes it: the file loaded (YAML or a SCALE-Sim .cfg), the
// loader's notes printed, and the dataflow a .cfg names used unless --dataflow is given.
#include <iostream>

#include "tools/dfsim/cli.h"

namespace dfsim::cli {

ArchParams load_cli_arch(const std::string& arch) {
    ArchParams a = load_arch(data_path(arch));
    for (const std::string& note : a.notes) std::cerr << "dfsim: note: " << note << "\n";
    return a;
}

std::string chosen_dataflow(const CommonOptions& c, const ArchParams& a) {
    const bool given = c.dataflow_opt && c.dataflow_opt->count() > 0;
    return given || a.dataflow.empty() ? c.dataflow : a.dataflow;
}

}  // namespace dfsim::cli
